/**
 * Resources and templates (townhall.md §8.5): read-only snapshots of the town as
 * pretty-printed JSON in one `text/plain` item; a failed read is an `Error: …` sentence, not
 * a JSON-RPC error.
 */
import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import type { Variables } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import { describeError } from "../errors.ts";
import { parseId } from "../model/ids.ts";
import { contextOf } from "../lib/context.ts";
import type { Town } from "../lib/town.ts";
import * as backlog from "../service/backlog.ts";
import * as overview from "../service/town.ts";
import { backlogEntryObject, townObject } from "../service/wire.ts";
import * as missions from "../mission/service.ts";
import { prettyJson } from "./envelope.ts";
import { missionEnv } from "./mission_env.ts";

import { agentSummary } from "./views.ts";

/** The fixed resource URIs, for subscriptions. */
export const RESOURCE_URIS = [
  "tinytown://town/current",
  "tinytown://agents",
  "tinytown://backlog",
  "tinytown://missions",
] as const;

function text(uri: URL, body: string): ReadResourceResult {
  return { contents: [{ uri: uri.href, mimeType: "text/plain", text: body }] };
}

async function json(uri: URL, read: () => Promise<unknown>): Promise<ReadResourceResult> {
  try {
    return text(uri, prettyJson(await read()));
  } catch (err) {
    return text(uri, `Error: ${describeError(err)}`);
  }
}

function one(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v[0] ?? "" : v ?? "";
}

export function defineResources(server: McpServer, town: Town): void {
  const ctx = contextOf(town);
  const plain = { mimeType: "text/plain" };
  server.registerResource("Current Town", "tinytown://town/current", {
    ...plain,
    description: "The town and every agent",
  }, (uri: URL) =>
    json(
      uri,
      async () =>
        townObject(overview.info(ctx), (await overview.agentsOverview(ctx)).map(agentSummary)),
    ));
  server.registerResource("All Agents", "tinytown://agents", {
    ...plain,
    description: "Every agent",
  }, (uri: URL) => json(uri, async () => (await overview.agentsOverview(ctx)).map(agentSummary)));
  server.registerResource(
    "Backlog",
    "tinytown://backlog",
    {
      ...plain,
      description: "The backlog in order",
    },
    (uri: URL) =>
      json(uri, async () => (await backlog.list(ctx)).map((i) => backlogEntryObject(i.id, i.task))),
  );
  server.registerResource(
    "Missions",
    "tinytown://missions",
    {
      ...plain,
      description: "Every mission",
    },
    (uri: URL) =>
      json(uri, async () =>
        (await missions.list(missionEnv(ctx), { all: true })).map((m) => ({
          blocked_reason: m.blocked_reason,
          created_at: m.created_at,
          id: m.id,
          next_wake_at: m.next_wake_at,
          objective_refs: m.objective_refs,
          state: m.state,
          updated_at: m.updated_at,
        }))),
  );

  server.registerResource(
    "Agent Details",
    new ResourceTemplate("tinytown://agents/{agent_name}", { list: undefined }),
    { ...plain, description: "One agent by its canonical name" },
    (uri: URL, vars: Variables) =>
      json(uri, async () => {
        const name = decodeURIComponent(one(vars.agent_name));
        const found = (await overview.agentsOverview(ctx)).find((o) => o.agent.name === name);
        if (!found) throw new Error(`Agent not found: ${name}`);
        return agentSummary(found);
      }),
  );
  server.registerResource(
    "Task Details",
    new ResourceTemplate("tinytown://tasks/{task_id}", { list: undefined }),
    { ...plain, description: "One backlog task by id" },
    (uri: URL, vars: Variables) =>
      json(uri, async () => {
        const raw = decodeURIComponent(one(vars.task_id));
        const id = parseId(raw);
        if (!id) throw new Error(`Invalid task ID: ${raw}`);
        const item = (await backlog.list(ctx)).find((i) => i.id === id);
        if (!item) throw new Error(`Task not found: ${raw}`);
        return backlogEntryObject(item.id, item.task);
      }),
  );
  server.registerResource(
    "Mission Details",
    new ResourceTemplate("tinytown://missions/{mission_id}", { list: undefined }),
    { ...plain, description: "One mission with its work, watches and events" },
    (uri: URL, vars: Variables) =>
      json(uri, async () => {
        const s = await missions.status(
          missionEnv(ctx),
          decodeURIComponent(one(vars.mission_id)),
          25,
        );
        return {
          control_messages: s.controls,
          events: s.events,
          mission: s.mission,
          watches: s.watches,
          work_items: s.items,
        };
      }),
  );
}
