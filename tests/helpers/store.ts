/**
 * A store for tests that also hands out its connection: tests check the raw key layout
 * (list lengths, hash fields) that the sealed Store keeps to itself.
 */
import type { RedisClient } from "../../src/redis/client.ts";
import { openStore, type Store } from "../../src/store/store.ts";

export interface TestStore extends Store {
  /** The store's own connection, for raw reads and writes in assertions and fixtures. */
  redis: RedisClient;
}

export function openTestStore(redis: RedisClient, townName: string): TestStore {
  return { ...openStore(redis, townName), redis };
}
