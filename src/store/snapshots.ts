/** The store side of `tt save` / `tt restore`: the town's keys read and written whole. */
import type { RedisClient } from "../redis/client.ts";
import type { TownKeys } from "./keys.ts";
import { readTownState, type TownState, writeTownState } from "./snapshot_redis.ts";

export class Snapshots {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  /** Every key of the town, in one transaction (a consistent snapshot). */
  read(town: string): Promise<TownState> {
    return readTownState(this.redis, this.keys, town);
  }

  /** Replaces `replace` (the town's current keys) with the snapshot, in one transaction. */
  write(state: TownState, replace: readonly string[]): Promise<void> {
    return writeTownState(this.redis, this.keys, state, replace);
  }

  /** The names of every key the town has now. */
  townKeys(): Promise<string[]> {
    return this.redis.scanAll(this.keys.pattern);
  }
}
