/** Short per-agent activity log (newest first, 10 entries, expires after an hour idle). */
import type { RedisClient } from "../redis/client.ts";
import { WriteBatch } from "./batch.ts";
import type { TownKeys } from "./keys.ts";

export class ActivityLog {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  /** Queues the line in a batch (so a state change and its activity share a write). */
  addTo(batch: WriteBatch, agentId: string, line: string): WriteBatch {
    const key = this.keys.activity(agentId);
    WriteBatch.queue(batch).add("LPUSH", key, line).add("LTRIM", key, 0, 9).add(
      "EXPIRE",
      key,
      3600,
    );
    return batch;
  }

  async add(agentId: string, line: string): Promise<void> {
    await this.addTo(new WriteBatch(this.redis.pipeline()), agentId, line).exec();
  }

  async recent(agentId: string, n = 5): Promise<string[]> {
    return await this.redis.lrange(this.keys.activity(agentId), 0, n - 1);
  }
}
