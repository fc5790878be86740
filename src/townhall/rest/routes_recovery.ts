/** Recovery routes: `/v1/recover`, `/v1/reclaim`, `/v1/reclaim/orphan-tasks` (townhall.md §3.6). */
import { type OrphanTaskAction, orphanTasks, reclaim } from "../../service/reclaim.ts";
import { recover } from "../../service/recovery.ts";
import { readBody } from "./body.ts";
import type { RestState, RouteDef } from "./context.ts";
import { HttpProblem } from "./problem.ts";
import { orphanBody, reclaimBody } from "./schemas.ts";

const ACTIONS: Record<string, OrphanTaskAction> = {
  "": "list",
  list: "list",
  to_backlog: "to_backlog",
  backlog: "to_backlog",
  cancel: "cancel",
  delete: "delete",
};

export function recoveryRoutes(state: RestState): RouteDef[] {
  const { ctx } = state;
  return [
    {
      method: "POST",
      path: "/v1/recover",
      scope: "agent.manage",
      handler: async (c) => {
        const r = await recover(ctx);
        return c.json({
          agents: r.recovered.map((x) => x.agent.name),
          checked: r.checked,
          recovered: r.recovered.length,
        });
      },
    },
    {
      method: "POST",
      path: "/v1/reclaim",
      scope: "agent.manage",
      handler: async (c) => {
        const body = await readBody(c, reclaimBody);
        const r = await reclaim(ctx, {
          toBacklog: body.to_backlog === true,
          ...(body.to !== undefined ? { to: body.to } : {}),
          ...(body.from !== undefined ? { from: body.from } : {}),
        });
        return c.json({ destination: r.destination, reclaimed: r.reclaimed });
      },
    },
    {
      method: "POST",
      path: "/v1/reclaim/orphan-tasks",
      scope: "agent.manage",
      handler: async (c) => {
        const body = await readBody(c, orphanBody, { optional: true });
        const raw = body.action ?? "";
        const action = Object.hasOwn(ACTIONS, raw) ? ACTIONS[raw] : undefined;
        if (!action) {
          throw new HttpProblem(
            400,
            `unknown action '${raw}': expected one of list|to_backlog|cancel|delete`,
          );
        }
        const orphans = await orphanTasks(ctx, action);
        return c.json({
          action,
          count: orphans.length,
          orphans: orphans.map((o) => ({
            task_id: o.taskId,
            assigned_to: o.assignedTo,
            state: o.state,
            reason: o.reason,
          })),
        });
      },
    },
  ];
}
