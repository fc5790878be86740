/**
 * The docket stream `tt:{town}:docket:tasks` (tinytown 0.9's opt-in work queue, extended §7.3):
 * only its depth is read, for `/api/scaling` in `use_streams` mode. Group `workers`.
 */
import type { RedisClient } from "../redis/client.ts";
import { RedisReplyError } from "../redis/errors.ts";
import type { TownKeys } from "./keys.ts";

export class Docket {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  /** Entries read by the `workers` group but not acknowledged, and entries not yet read. */
  async depth(): Promise<{ pending: number; inFlight: number }> {
    const key = this.keys.docketTasks;
    let inFlight = 0;
    try {
      const summary = await this.redis.command(["XPENDING", key, "workers"]);
      if (Array.isArray(summary) && typeof summary[0] === "number") inFlight = summary[0];
    } catch (err) {
      if (!(err instanceof RedisReplyError && err.code === "NOGROUP")) throw err;
    }
    let lag: number | undefined;
    try {
      const groups = await this.redis.command(["XINFO", "GROUPS", key]);
      for (const g of Array.isArray(groups) ? groups : []) {
        if (!Array.isArray(g)) continue;
        const f = new Map<string, unknown>();
        for (let i = 0; i + 1 < g.length; i += 2) f.set(String(g[i]), g[i + 1]);
        if (f.get("name") === "workers" && typeof f.get("lag") === "number") {
          lag = f.get("lag") as number;
        }
      }
    } catch (err) {
      if (!(err instanceof RedisReplyError)) throw err; // no such key: fall back to XLEN
    }
    const pending = lag ?? Number(await this.redis.command(["XLEN", key]));
    return { pending, inFlight };
  }
}
