/**
 * Spawning over a face (REST `POST /v1/agents`, MCP `agent.spawn`): registers the agent and
 * starts its loop in the background exactly as `tt spawn` does, so the agent really works.
 */
import { spawnAgent } from "./agent_spawn.ts";
import type { Agent } from "../model/agent.ts";
import type { TownContext } from "./context.ts";

/** What to spawn. */
export interface SpawnRequest {
  name: string;
  /** A configured CLI name or a command; default the town's `default_cli`. */
  cli?: string;
  role?: string;
  nickname?: string;
  /** A reference to the parent agent (any form, or an id). */
  parent?: string;
  /** Rounds before the loop ends on its own (default 10, 0 = no limit). */
  maxRounds?: number;
}

/** The spawned agent and where its loop logs. */
export interface Spawned {
  agent: Agent;
  logFile: string;
  /** The loop's pid. */
  pid?: number;
}

/** `tt spawn` in the background; `warn` gets the CLI check's warnings. */
export async function spawn(
  ctx: TownContext,
  req: SpawnRequest,
  warn?: (line: string) => void,
): Promise<Spawned> {
  const r = await spawnAgent(ctx.open, ctx.store, {
    ...req,
    ...(warn ? { warn } : {}),
    ...(ctx.envVars && Object.keys(ctx.envVars).length ? { env: ctx.envVars } : {}),
  });
  return { agent: r.agent, logFile: r.logFile, ...(r.pid !== undefined ? { pid: r.pid } : {}) };
}
