/**
 * AgentService: the agent commands (`tt list`, `spawn`, `kill`, `interrupt`, `resume`, `close`,
 * `restart`, `prune`) as functions over an opened town (TownContext). They return data and throw
 * typed errors; nothing is printed.
 */
import {
  closeAgent,
  interruptAgent,
  killAgent,
  pruneAgents,
  resumeAgent,
} from "./agent_control.ts";
import { restartAgent, spawnAgent } from "./agent_spawn.ts";
import type { Agent } from "../model/agent.ts";
import type { TownContext } from "./context.ts";

/** Every agent of the town, oldest first. */
export async function list(ctx: TownContext): Promise<Agent[]> {
  return await ctx.store.agents.list();
}

/** The agent a reference names (name, nickname, label, short or full id). */
export async function get(ctx: TownContext, ref: string): Promise<Agent> {
  return await ctx.store.agents.resolveAgent(ref);
}

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
  /** false: register the agent only (state `starting`), as tinytown's library does. */
  start?: boolean;
}

/** The spawned agent and where its loop logs. */
export interface Spawned {
  agent: Agent;
  logFile: string;
  /** The loop's pid. */
  pid?: number;
}

/**
 * `tt spawn` in the background (REST `POST /v1/agents`, MCP `agent.spawn`, the library's
 * `Town.spawnAgent`): the loop really starts, so the agent works (the reference's faces only
 * write a `starting` record). `warn` gets the CLI check's warnings.
 */
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

/** `tt kill`: stopped now, loop signalled, a running CLI ended; the record after it. */
export async function kill(ctx: TownContext, ref: string): Promise<Agent> {
  return (await killAgent(ctx.store, ref)).agent;
}

/** `tt interrupt`: paused; the record after it. */
export async function interrupt(ctx: TownContext, ref: string): Promise<Agent> {
  return (await interruptAgent(ctx.store, ref)).agent;
}

/** `tt resume`: a paused agent goes on; the record after it. */
export async function resume(ctx: TownContext, ref: string): Promise<Agent> {
  return (await resumeAgent(ctx.store, ref)).agent;
}

/** `tt close`: finish the round, then stop (ends cold); the record after it. */
export async function close(ctx: TownContext, ref: string): Promise<Agent> {
  return (await closeAgent(ctx.store, ref)).agent;
}

/** `tt restart`: a new loop for a stopped agent (messages left in flight are redelivered). */
export async function restart(
  ctx: TownContext,
  ref: string,
  options: { maxRounds?: number } = {},
): Promise<Agent> {
  const r = await restartAgent(ctx.open, ctx.store, ref, {
    ...(options.maxRounds !== undefined ? { maxRounds: options.maxRounds } : {}),
    ...(ctx.envVars && Object.keys(ctx.envVars).length ? { env: ctx.envVars } : {}),
  });
  return r.agent;
}

/** What `prune` removed. */
export interface PruneReport {
  /** The agents removed, as they were. */
  removed: Agent[];
  /** Messages still waiting for them, now kept in the dead letters. */
  deadLettered: number;
}

/** `tt prune`: removes stopped and errored agents (every agent with `all`). */
export async function prune(
  ctx: TownContext,
  options: { all?: boolean } = {},
): Promise<PruneReport> {
  const r = await pruneAgents(ctx.store, options.all === true);
  return { removed: r.removed, deadLettered: r.deadLettered };
}
