/**
 * AgentService for library users: the agent commands (`tt list`, `kill`, `interrupt`,
 * `resume`, `close`, `restart`, `prune`) over a library Town. Each calls the service layer
 * (src/service/agents.ts) with the Town's context; data back, typed errors, nothing printed.
 */
import type { Agent } from "../../model/agent.ts";
import * as agents from "../../service/agents.ts";
import type { PruneReport } from "../../service/agents.ts";
import { contextOf } from "../context.ts";
import type { Town } from "../town.ts";

export type { PruneReport };

/** Every agent of the town, oldest first. */
export function list(town: Town): Promise<Agent[]> {
  return agents.list(contextOf(town));
}

/** The agent a reference names (name, nickname, label, short or full id). */
export function get(town: Town, ref: string): Promise<Agent> {
  return agents.get(contextOf(town), ref);
}

/** `tt kill`: stopped now, loop signalled, a running CLI ended; the record after it. */
export function kill(town: Town, ref: string): Promise<Agent> {
  return agents.kill(contextOf(town), ref);
}

/** `tt interrupt`: paused; the record after it. */
export function interrupt(town: Town, ref: string): Promise<Agent> {
  return agents.interrupt(contextOf(town), ref);
}

/** `tt resume`: a paused agent goes on; the record after it. */
export function resume(town: Town, ref: string): Promise<Agent> {
  return agents.resume(contextOf(town), ref);
}

/** `tt close`: finish the round, then stop (ends cold); the record after it. */
export function close(town: Town, ref: string): Promise<Agent> {
  return agents.close(contextOf(town), ref);
}

/** `tt restart`: a new loop for a stopped agent (messages left in flight are redelivered). */
export function restart(
  town: Town,
  ref: string,
  options: { maxRounds?: number } = {},
): Promise<Agent> {
  return agents.restart(contextOf(town), ref, options);
}

/** `tt prune`: removes stopped and errored agents (every agent with `all`). */
export function prune(town: Town, options: { all?: boolean } = {}): Promise<PruneReport> {
  return agents.prune(contextOf(town), options);
}
