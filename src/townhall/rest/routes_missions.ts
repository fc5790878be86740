/**
 * Mission routes (townhall.md §3.7) over the mission service (src/mission/service.ts): stop,
 * resume, complete, fail and delete. An id that is not a UUID is 400, a missing mission 404.
 */
import { missionConfigFrom } from "../../mission/config.ts";
import { complete, fail } from "../../mission/outcome.ts";
import * as missions from "../../mission/service.ts";
import { readBody } from "./body.ts";
import type { RestContext, RestState, RouteDef } from "./context.ts";
import { HttpProblem } from "./problem.ts";
import { missionFailBody, missionStopBody } from "./schemas.ts";
import { isUuid } from "./uuid.ts";

export function missionRoutes(state: RestState): RouteDef[] {
  const { ctx } = state;
  const env = (): missions.MissionEnv => ({
    store: ctx.store,
    root: ctx.open.root,
    config: missionConfigFrom(ctx.open.config.raw),
  });
  const idOf = (c: RestContext) => {
    const id = c.req.param("id")!;
    if (!isUuid(id)) throw new HttpProblem(400, `invalid mission id '${id}'`);
    return id.toLowerCase();
  };
  const changed = (c: RestContext, r: missions.ChangeResult) =>
    c.json({ id: r.mission.id, state: r.mission.state, ...(r.note ? { note: r.note } : {}) });
  return [
    {
      method: "POST",
      path: "/v1/missions/:id/stop",
      scope: "agent.manage",
      handler: async (c) => {
        const id = idOf(c);
        const body = await readBody(c, missionStopBody, { optional: true });
        return changed(
          c,
          await missions.stop(env(), id, { force: body.force === true, via: "API" }),
        );
      },
    },
    {
      method: "POST",
      path: "/v1/missions/:id/resume",
      scope: "agent.manage",
      handler: async (c) => changed(c, await missions.resume(env(), idOf(c), "API")),
    },
    {
      method: "POST",
      path: "/v1/missions/:id/complete",
      scope: "agent.manage",
      handler: async (c) => changed(c, await complete(env(), idOf(c))),
    },
    {
      method: "POST",
      path: "/v1/missions/:id/fail",
      scope: "agent.manage",
      handler: async (c) => {
        const id = idOf(c);
        const body = await readBody(c, missionFailBody, { optional: true });
        const r = await fail(env(), id, body.reason ?? "Marked failed via API");
        return c.json({
          id: r.mission.id,
          reason: r.mission.blocked_reason,
          state: r.mission.state,
        });
      },
    },
    {
      method: "DELETE",
      path: "/v1/missions/:id",
      scope: "agent.manage",
      handler: async (c) => {
        const r = await missions.deleteMission(env(), idOf(c));
        return c.json({ deleted: true, id: r.missionId });
      },
    },
  ];
}
