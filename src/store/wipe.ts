/**
 * Deleting a town's data (`tt reset`): every key of the town, or only its agents' keys, and
 * counting what a reset would delete.
 */
import type { RedisClient } from "../redis/client.ts";
import type { TownKeys } from "./keys.ts";

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

/** What a full reset would find. */
export interface WipeCounts {
  agents: number;
  tasks: number;
  backlog: number;
  /** Every key of the town. */
  keys: number;
}

export class TownWipe {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  async count(): Promise<WipeCounts> {
    const [agents, tasks, all] = await Promise.all([
      this.redis.scanAll(this.keys.kindPattern("agent")),
      this.redis.scanAll(this.keys.kindPattern("task")),
      this.redis.scanAll(this.keys.pattern),
    ]);
    return {
      agents: agents.length,
      tasks: tasks.length,
      backlog: await this.redis.llen(this.keys.backlog),
      keys: all.length,
    };
  }

  /** Deletes the town's keys (or only its agents'); how many were deleted. */
  async delete(agentsOnly: boolean): Promise<number> {
    const keys = this.keys;
    const doomed = agentsOnly
      ? [
        ...(await Promise.all(AGENT_KINDS.map((k) => this.redis.scanAll(keys.kindPattern(k)))))
          .flat(),
        keys.agentsIndex,
      ]
      : await this.redis.scanAll(keys.pattern);
    let deleted = 0;
    for (let i = 0; i < doomed.length; i += 500) {
      deleted += await this.redis.del(...doomed.slice(i, i + 500));
    }
    return deleted;
  }
}
