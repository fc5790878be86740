/**
 * Liveness leases of agent loops: a key with a TTL that a loop renews while it runs (with the
 * agent's last_heartbeat), read by `tt recover` and `tt status` together with the stop flags.
 */
import type { RedisClient } from "../redis/client.ts";
import { TypedPipeline } from "../redis/typed_pipeline.ts";
import { hashTime } from "../model/time.ts";
import type { TownKeys } from "./keys.ts";
import { TOUCH_HEARTBEAT } from "./scripts.ts";

/** What Redis says about one agent's loop. */
export interface LoopFlags {
  /** Its lease is held (not expired, not released). */
  lease: boolean;
  /** A stop was requested and its loop has not taken it yet. */
  stop: boolean;
}

export class Leases {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  /**
   * Sets the lease to `holder` for `leaseSecs` (at least 1) and, with `heartbeat`, the
   * agent's last_heartbeat; one round trip.
   */
  async renew(agentId: string, holder: string, leaseSecs: number, heartbeat: boolean) {
    const p = this.redis.pipeline()
      .add("SET", this.keys.lease(agentId), holder, "EX", Math.max(1, leaseSecs));
    if (heartbeat) {
      p.add("EVAL", TOUCH_HEARTBEAT, 1, this.keys.agent(agentId), hashTime(new Date()));
    }
    await p.exec();
  }

  async release(agentId: string): Promise<void> {
    await this.redis.del(this.keys.lease(agentId));
  }

  /** Is the agent's lease held? (False once it expired or was released.) */
  async held(agentId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.lease(agentId))) === 1;
  }

  /** Lease and stop flag of many agents in one round trip. */
  async flags(agentIds: readonly string[]): Promise<Map<string, LoopFlags>> {
    const p = new TypedPipeline(this.redis.pipeline());
    const replies = agentIds.map((id) => ({
      id,
      lease: p.exists(this.keys.lease(id)),
      stop: p.exists(this.keys.stop(id)),
    }));
    await p.exec();
    return new Map(replies.map((r) => [r.id, { lease: r.lease.value, stop: r.stop.value }]));
  }
}
