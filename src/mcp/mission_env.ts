/** The mission service's environment for the MCP face's opened town. */
import { missionConfigFrom } from "../mission/config.ts";
import type { MissionEnv } from "../mission/service.ts";
import type { TownContext } from "../service/context.ts";

export function missionEnv(ctx: TownContext): MissionEnv {
  return {
    store: ctx.store,
    root: ctx.open.root,
    config: missionConfigFrom(ctx.open.config.raw),
  };
}
