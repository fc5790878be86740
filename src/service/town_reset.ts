/**
 * `tt reset`: delete a town's data from Redis (all of it, or only its agents). Running agent
 * loops are stopped first, as `tt stop` stops them: a loop left running would write its inbox,
 * activity and lease back for an agent that no longer exists, and its CLI would go on working.
 */
import { isLiveAgent, loopsElsewhere, stopAgentLoops } from "./agent_stop_loops.ts";
import { TtError } from "../errors.ts";
import { openStore } from "../store/store.ts";
import type { Town } from "../town/town.ts";

export interface ResetPreview {
  agents: number;
  tasks: number;
  backlog: number;
  /** Every key a full reset would delete. */
  keys: number;
  /** Names of the agents whose loops a reset would stop first. */
  running: string[];
}

export interface ResetResult {
  deleted: number;
  /** Agents that were running and were stopped before the delete. */
  agentsStopped: string[];
  /** Their loops that did not exit in the grace period and were sent SIGKILL. */
  agentsKilled: string[];
}

/** What a reset would delete, without deleting anything. */
export async function previewReset(town: Town): Promise<ResetPreview> {
  const store = openStore(town.redis, town.name);
  const [counts, live] = await Promise.all([store.wipe.count(), store.agents.list()]);
  return { ...counts, running: live.filter(isLiveAgent).map((a) => a.name) };
}

/**
 * Stops the town's agent loops, then deletes its keys (or only its agents' keys). Refuses,
 * deleting nothing, while a loop runs on another machine: it cannot be signalled from here.
 */
export async function resetTown(town: Town, agentsOnly: boolean): Promise<ResetResult> {
  const store = openStore(town.redis, town.name);
  const elsewhere = await loopsElsewhere(store);
  if (elsewhere.length) {
    throw new TtError(
      `cannot reset town '${town.name}' while agent loops run on other machines (${
        elsewhere.map((a) => `${a.name} on ${a.host}`).join(", ")
      }): stop them with 'tt kill <agent>' (a loop ends after its current round), then reset ` +
        `again`,
    );
  }
  const { agentsStopped, agentsKilled } = await stopAgentLoops(store);
  const deleted = await store.wipe.delete(agentsOnly);
  return { deleted, agentsStopped, agentsKilled };
}
