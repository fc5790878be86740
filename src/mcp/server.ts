/**
 * The MCP server of one session: every tool, resource and prompt of townhall.md §8 over one
 * open town, with `resources/subscribe` answered for real (an update notification per town
 * event, for each subscribed URI). Transports (stdio, HTTP) make one per session.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Town } from "../lib/town.ts";
import { VERSION } from "../version.ts";
import { definePrompts } from "./prompts.ts";
import { defineResources } from "./resources.ts";
import { defineTools, GROUP_SCOPE, type ToolAudit, type ToolDef } from "./tool_kit.ts";
import { MANAGE_TOOLS } from "./tools_manage.ts";
import { READ_TOOLS } from "./tools_read.ts";
import { WRITE_TOOLS } from "./tools_write.ts";
import type { TownWatch } from "./town_watch.ts";
import type { Scope } from "../townhall/security/scopes.ts";

/** Every tool, sorted by name (the order tools/list answers in). */
export const ALL_TOOLS: readonly ToolDef[] = [...READ_TOOLS, ...WRITE_TOOLS, ...MANAGE_TOOLS]
  .sort((a, b) => a.name.localeCompare(b.name));

const SCOPE_OF = new Map(ALL_TOOLS.map((t) => [t.name, GROUP_SCOPE[t.group]]));

/** The scope a tools/call of `name` needs over HTTP; undefined for an unknown tool. */
export function toolScope(name: string): Scope | undefined {
  return SCOPE_OF.get(name);
}

/** Whether a tool changes the town (it is audited and rate-limited as a write). */
export function isWriteTool(name: string): boolean {
  const t = ALL_TOOLS.find((x) => x.name === name);
  return t !== undefined && t.group !== "read";
}

export const SERVER_NAME = "tinytown-mcp";

const INSTRUCTIONS = "tt (tinytown) town server. Tools manage agents, tasks, messages, the " +
  "backlog and recovery; resources give read-only JSON snapshots of the town; prompts build " +
  "conductor and agent context.";

/** What a session's server needs. */
export interface SessionOptions {
  town: Town;
  /** The shared event feed behind resource subscriptions. */
  watch: TownWatch;
  /** Told about each finished write or management tool call. */
  audit?: ToolAudit;
}

/** A session's server and what ends it cleanly. */
export interface Session {
  server: McpServer;
  /** Drops the session's subscriptions (call when its transport closes). */
  dispose(): Promise<void>;
}

export function createSession(options: SessionOptions): Session {
  const { town, watch } = options;
  const server = new McpServer(
    { name: SERVER_NAME, version: VERSION },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
      },
      instructions: INSTRUCTIONS,
    },
  );
  defineTools(server, town, ALL_TOOLS, options.audit);
  defineResources(server, town);
  definePrompts(server, town);

  const subscribed = new Set<string>();
  const listener = () => {
    for (const uri of subscribed) {
      server.server.sendResourceUpdated({ uri }).catch(() => {
        // The client went away; its transport's close drops the session.
      });
    }
  };
  let listening = false;
  server.server.setRequestHandler(
    SubscribeRequestSchema,
    async (req: { params: { uri: string } }) => {
      subscribed.add(req.params.uri);
      if (!listening) {
        listening = true;
        await watch.add(listener);
      }
      return {};
    },
  );
  server.server.setRequestHandler(
    UnsubscribeRequestSchema,
    async (req: { params: { uri: string } }) => {
      subscribed.delete(req.params.uri);
      if (subscribed.size === 0 && listening) {
        listening = false;
        await watch.remove(listener);
      }
      return {};
    },
  );
  return {
    server,
    async dispose() {
      subscribed.clear();
      if (listening) {
        listening = false;
        await watch.remove(listener);
      }
    },
  };
}
