/**
 * `tt reset`: delete a town's data from Redis (all of it, or only its agents). Running agent
 * loops are stopped first, as `tt stop` stops them: a loop left running would write its inbox,
 * activity and lease back for an agent that no longer exists, and its CLI would go on working.
 */
import { isLiveAgent, loopsElsewhere, stopAgentLoops } from "./agent_stop_loops.ts";
import { TtError } from "../errors.ts";
import { townKeys } from "../store/keys.ts";
import { openStore } from "../store/store.ts";
import type { Town } from "../town/town.ts";

/** Per-agent key kinds; `--agents-only` deletes these and nothing else. */
const AGENT_KINDS = [
  "agent",
  "inbox",
  "urgent",
  "stop",
  "activity",
  "inflight",
  "lease",
  "events:agent",
];

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
  const keys = townKeys(town.name);
  const [agents, tasks, all, live] = await Promise.all([
    town.redis.scanAll(keys.kindPattern("agent")),
    town.redis.scanAll(keys.kindPattern("task")),
    town.redis.scanAll(keys.pattern),
    openStore(town.redis, town.name).agents.list(),
  ]);
  return {
    agents: agents.length,
    tasks: tasks.length,
    backlog: await town.redis.llen(keys.backlog),
    keys: all.length,
    running: live.filter(isLiveAgent).map((a) => a.name),
  };
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
  const keys = townKeys(town.name);
  const doomed = agentsOnly
    ? [
      ...(await Promise.all(AGENT_KINDS.map((k) => town.redis.scanAll(keys.kindPattern(k)))))
        .flat(),
      keys.agentsIndex,
    ]
    : await town.redis.scanAll(keys.pattern);
  let deleted = 0;
  for (let i = 0; i < doomed.length; i += 500) {
    deleted += await town.redis.del(...doomed.slice(i, i + 500));
  }
  return { deleted, agentsStopped, agentsKilled };
}
