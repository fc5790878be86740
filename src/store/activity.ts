/** Short per-agent activity log (newest first, 10 entries, expires after an hour idle). */
import type { RedisClient } from "../redis/client.ts";
import type { Pipeline } from "../redis/pipeline.ts";
import type { TownKeys } from "./keys.ts";

export class ActivityLog {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  addTo(p: Pipeline, agentId: string, line: string): Pipeline {
    const key = this.keys.activity(agentId);
    return p.add("LPUSH", key, line).add("LTRIM", key, 0, 9).add("EXPIRE", key, 3600);
  }

  async add(agentId: string, line: string): Promise<void> {
    await this.addTo(this.redis.pipeline(), agentId, line).exec();
  }

  async recent(agentId: string, n = 5): Promise<string[]> {
    return await this.redis.lrange(this.keys.activity(agentId), 0, n - 1);
  }
}
