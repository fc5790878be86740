/** `tt reset`: delete a town's data from Redis (all of it, or only its agents). */
import { townKeys } from "../store/keys.ts";
import type { Town } from "./town.ts";

/** Per-agent key kinds; `--agents-only` deletes these and nothing else. */
const AGENT_KINDS = ["agent", "inbox", "urgent", "stop", "activity", "inflight", "lease"];

export interface ResetPreview {
  agents: number;
  tasks: number;
  backlog: number;
  /** Every key a full reset would delete. */
  keys: number;
}

/** What a reset would delete, without deleting anything. */
export async function previewReset(town: Town): Promise<ResetPreview> {
  const keys = townKeys(town.name);
  const [agents, tasks, all] = await Promise.all([
    town.redis.scanAll(keys.kindPattern("agent")),
    town.redis.scanAll(keys.kindPattern("task")),
    town.redis.scanAll(keys.pattern),
  ]);
  return {
    agents: agents.length,
    tasks: tasks.length,
    backlog: await town.redis.llen(keys.backlog),
    keys: all.length,
  };
}

/** Deletes the town's keys (or only its agents' keys); returns how many were deleted. */
export async function resetTown(town: Town, agentsOnly: boolean): Promise<number> {
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
  return deleted;
}
