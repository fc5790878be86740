/** The read-only view of a town's configuration that `Town.config` gives. */
import { effectiveAgentClis } from "../town/cli_presets.ts";
import type { Town as OpenTown } from "../town/town.ts";

/** Where the town's Redis is and who runs it. */
export interface RedisInfo {
  /** The URL tt connects to, with any password masked. */
  readonly url: string;
  /** True when tt runs this redis-server (per-town socket or TCP, or the central one). */
  readonly managed: boolean;
  /** True for the one server shared by every central-mode town (never stopped by a town). */
  readonly central: boolean;
  /** Append-only persistence of a managed server (`[redis] persist`). */
  readonly persist: boolean;
}

/** `[agent]` timings of tinytown.toml. */
export interface AgentTimings {
  /** Seconds an idle agent waits before draining; 0 = never. */
  readonly idleTimeoutSecs: number;
  /** How long an agent loop's lease lasts without renewal. */
  readonly leaseSecs: number;
  /** Upper bound on one agent CLI round; 0 = none. */
  readonly roundTimeoutSecs: number;
}

/** A town's settings from tinytown.toml (and the global config), as read when it was opened. */
export interface TownSettings {
  /** The town's name: its Redis keys are `tt:{name}:…`. */
  readonly name: string;
  /** The CLI new agents use when none is given. */
  readonly defaultCli: string;
  /** The CLI `tt conductor` starts, when set. */
  readonly conductorCli?: string;
  /** How many agents may be active at once (0 = no limit). */
  readonly maxAgents: number;
  /** Names of the agent CLIs that can be spawned by name (presets and `[agent_clis]`). */
  readonly agentClis: readonly string[];
  /** The town's Redis. */
  readonly redis: RedisInfo;
  /** Agent loop timings. */
  readonly agent: AgentTimings;
}

export function townSettings(open: OpenTown): TownSettings {
  const c = open.config;
  return Object.freeze({
    name: c.name,
    defaultCli: c.defaultCli,
    ...(c.conductorCli !== undefined ? { conductorCli: c.conductorCli } : {}),
    maxAgents: c.maxAgents,
    agentClis: Object.freeze([...effectiveAgentClis(c.agentClis).keys()]),
    redis: Object.freeze({
      url: open.redisUrl,
      managed: open.server !== undefined,
      central: open.server !== undefined && c.useCentralRedis,
      persist: c.redis.persist,
    }),
    agent: Object.freeze({ ...c.agent }),
  });
}
