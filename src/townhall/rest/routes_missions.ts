/**
 * Mission routes (townhall.md §3.7). tt's mission service has not landed yet: each route
 * checks its id like the reference, then answers 501 saying so.
 */
import type { RestContext, RestState, RouteDef } from "./context.ts";
import { HttpProblem } from "./problem.ts";
import { isUuid } from "./views.ts";

const PATHS: [RouteDef["method"], string][] = [
  ["POST", "/v1/missions/:id/stop"],
  ["POST", "/v1/missions/:id/resume"],
  ["POST", "/v1/missions/:id/complete"],
  ["POST", "/v1/missions/:id/fail"],
  ["DELETE", "/v1/missions/:id"],
];

export function missionRoutes(_state: RestState): RouteDef[] {
  const handler = (c: RestContext): Response => {
    const id = c.req.param("id")!;
    if (!isUuid(id)) throw new HttpProblem(400, `invalid mission id '${id}'`);
    throw new HttpProblem(
      501,
      "missions are not available in this tt yet (the mission service has not landed)",
    );
  };
  return PATHS.map(([method, path]) => ({ method, path, scope: "agent.manage", handler }));
}
