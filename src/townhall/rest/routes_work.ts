/** Work routes: task assignment, pending tasks, the backlog and messages (townhall.md §3.4-3.5). */
import { SUPERVISOR_ID } from "../../model/ids.ts";
import * as backlog from "../../service/backlog.ts";
import * as messages from "../../service/messages.ts";
import * as tasks from "../../service/tasks.ts";
import { pendingTasks } from "../../service/workload.ts";
import type { SendKind } from "../../service/message_send.ts";
import { backlogEntryObject, pendingTaskObject } from "../../service/wire.ts";
import { readBody } from "./body.ts";
import type { RestContext, RestState, RouteDef } from "./context.ts";
import { HttpProblem } from "./problem.ts";
import { agentBody, assignBody, backlogAddBody, sendBody } from "./schemas.ts";
import { isUuid } from "./uuid.ts";

const KINDS: Record<string, SendKind> = { query: "query", info: "info", ack: "ack" };

function taskIdParam(c: RestContext): string {
  const id = c.req.param("task_id")!;
  if (!isUuid(id)) throw new HttpProblem(400, `Invalid task ID: ${id}`);
  return id.toLowerCase();
}

export function workRoutes(state: RestState): RouteDef[] {
  const { ctx } = state;
  return [
    {
      method: "POST",
      path: "/v1/tasks/assign",
      scope: "town.write",
      handler: async (c) => {
        const body = await readBody(c, assignBody);
        const task = await tasks.assign(ctx, body.agent, body.task);
        return c.json({ agent_id: task.assignedTo, agent_name: body.agent, task_id: task.id }, 201);
      },
    },
    {
      method: "GET",
      path: "/v1/tasks/pending",
      scope: "town.read",
      handler: async (c) => {
        const list = await pendingTasks(ctx);
        return c.json({
          count: list.length,
          tasks: list.map(pendingTaskObject),
        });
      },
    },
    {
      method: "GET",
      path: "/v1/backlog",
      scope: "town.read",
      handler: async (c) => {
        const items = await backlog.list(ctx);
        return c.json({
          backlog: items.map((i) => backlogEntryObject(i.id, i.task)),
          count: items.length,
        });
      },
    },
    {
      method: "POST",
      path: "/v1/backlog",
      scope: "town.write",
      handler: async (c) => {
        const body = await readBody(c, backlogAddBody);
        const task = await backlog.add(ctx, body.description, body.tags ?? []);
        return c.json({ description: task.description, task_id: task.id }, 201);
      },
    },
    {
      method: "POST",
      path: "/v1/backlog/assign-all",
      scope: "town.write",
      handler: async (c) => {
        const body = await readBody(c, agentBody);
        const list = await backlog.assignAll(ctx, body.agent);
        return c.json({ assigned: list.length, tasks: list.map((t) => t.id) });
      },
    },
    {
      method: "POST",
      path: "/v1/backlog/:task_id/claim",
      scope: "town.write",
      handler: async (c) => {
        const id = taskIdParam(c);
        const body = await readBody(c, agentBody);
        const task = await backlog.claim(ctx, id, body.agent);
        return c.json({ agent_id: task.assignedTo, agent_name: body.agent, task_id: task.id });
      },
    },
    {
      method: "DELETE",
      path: "/v1/backlog/:task_id",
      scope: "town.write",
      handler: async (c) => {
        const id = taskIdParam(c);
        try {
          await backlog.remove(ctx, id);
        } catch (err) {
          if (err instanceof Error && /not in the backlog|not found/.test(err.message)) {
            throw new HttpProblem(404, `Task ${id} not found in backlog`);
          }
          throw err;
        }
        return c.json({ removed: true, task_id: id });
      },
    },
    {
      method: "POST",
      path: "/v1/messages/send",
      scope: "town.write",
      handler: async (c) => {
        const body = await readBody(c, sendBody);
        const sent = await messages.send(ctx, body.to, body.message, {
          kind: KINDS[body.kind ?? ""] ?? "task",
          urgent: body.urgent === true,
          // No environment fallback over the API: an absent sender is the conductor.
          from: body.from ?? SUPERVISOR_ID,
        });
        return c.json({ message_id: sent.id, to_agent: sent.to, urgent: sent.urgent }, 201);
      },
    },
  ];
}
