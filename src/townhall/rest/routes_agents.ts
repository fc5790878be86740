/**
 * Town and agent routes: `/v1/town`, `/v1/status`, `/v1/agents` (list, spawn, kill, restart,
 * prune) and the inbox. Spawn and restart start the real agent loop, as `tt spawn` and
 * `tt restart` do.
 */
import * as agents from "../../service/agents.ts";
import * as mailbox from "../../service/mailbox.ts";
import * as townService from "../../service/town.ts";
import {
  agentFullObject,
  agentReducedObject,
  townIdentityObject,
  townObject,
} from "../../service/wire.ts";
import { readBody } from "./body.ts";
import type { RestContext, RestState, RouteDef } from "./context.ts";
import { HttpProblem } from "./problem.ts";
import { SharedRead } from "./shared_read.ts";
import { pruneBody, restartBody, spawnBody } from "./schemas.ts";
import { isUuid } from "./uuid.ts";

export function agentRoutes(state: RestState): RouteDef[] {
  const { ctx } = state;
  const inbox = async (c: RestContext) => {
    const ref = c.req.param("agent")!;
    const s = await mailbox.summary(ctx, ref);
    return c.json({
      agent: ref,
      messages: s.messages.map((m) => ({
        from: m.from,
        id: m.id,
        summary: m.summary,
        type: m.type,
      })),
      total: s.total,
      urgent: s.urgent,
    });
  };
  // Concurrent status and list reads share one read of the town (see SharedRead).
  const overview = new SharedRead(() => townService.agentsOverview(ctx));
  const statusBody = new SharedRead(async () => {
    const list = await townService.agentsOverview(ctx);
    return JSON.stringify(townObject(townService.info(ctx), list.map(agentFullObject)));
  });
  return [
    {
      method: "GET",
      path: "/v1/town",
      scope: "town.read",
      handler: (c) => c.json(townIdentityObject(townService.info(ctx))),
    },
    {
      method: "GET",
      path: "/v1/status",
      scope: "town.read",
      handler: async (c) => {
        const deep = c.req.query("deep");
        if (deep !== undefined && deep !== "true" && deep !== "false") {
          throw new HttpProblem(400, "deep must be true or false");
        }
        return c.body(await statusBody.get(), 200, { "content-type": "application/json" });
      },
    },
    {
      method: "GET",
      path: "/v1/agents",
      scope: "town.read",
      handler: async (c) => {
        const list = await overview.get();
        return c.json({
          agents: list.map((o) => agentReducedObject(o.agent, o.currentScope)),
          count: list.length,
        });
      },
    },
    {
      method: "POST",
      path: "/v1/agents",
      scope: "agent.manage",
      handler: async (c) => {
        const body = await readBody(c, spawnBody);
        if (body.parent_agent_id !== undefined && !isUuid(body.parent_agent_id)) {
          throw new HttpProblem(400, `Invalid parent_agent_id: ${body.parent_agent_id}`);
        }
        const r = await agents.spawn(ctx, {
          name: body.name,
          ...(body.cli !== undefined ? { cli: body.cli } : {}),
          ...(body.role_id !== undefined ? { role: body.role_id } : {}),
          ...(body.nickname !== undefined ? { nickname: body.nickname } : {}),
          ...(body.parent_agent_id !== undefined ? { parent: body.parent_agent_id } : {}),
          ...(body.max_rounds !== undefined ? { maxRounds: body.max_rounds } : {}),
        });
        return c.json({
          agent_id: r.agent.id,
          cli: r.agent.cli,
          name: r.agent.name,
          nickname: body.nickname ?? null,
          parent_agent_id: r.agent.parentAgentId ?? null,
          role_id: body.role_id ?? null,
        }, 201);
      },
    },
    {
      method: "POST",
      path: "/v1/agents/prune",
      scope: "agent.manage",
      handler: async (c) => {
        const body = await readBody(c, pruneBody);
        const r = await agents.prune(ctx, { all: body.all === true });
        return c.json({ agents: r.removed.map((a) => a.name), removed: r.removed.length });
      },
    },
    {
      method: "POST",
      path: "/v1/agents/:agent/kill",
      scope: "agent.manage",
      handler: async (c) => {
        const ref = c.req.param("agent")!;
        await agents.kill(ctx, ref);
        return c.json({ agent: ref, status: "stopped" });
      },
    },
    {
      method: "POST",
      path: "/v1/agents/:agent/restart",
      scope: "agent.manage",
      handler: async (c) => {
        const ref = c.req.param("agent")!;
        const body = await readBody(c, restartBody, { optional: true });
        await agents.restart(
          ctx,
          ref,
          body.max_rounds !== undefined ? { maxRounds: body.max_rounds } : {},
        );
        return c.json({ agent: ref, status: "restarted" });
      },
    },
    { method: "GET", path: "/v1/agents/:agent/inbox", scope: "town.read", handler: inbox },
    { method: "POST", path: "/v1/agents/:agent/inbox", scope: "town.read", handler: inbox },
  ];
}
