/**
 * Liveness of an agent loop: a lease key with a TTL that the loop renews while it waits and
 * while its CLI runs, plus the pid and host recorded on the agent. `tt recover` and `tt status`
 * read them to tell a live loop from a dead one.
 */
import { hashTime } from "../model/time.ts";
import type { Store } from "../store/store.ts";

/** Renews the loop's lease (and, with `heartbeat`, the agent's last_heartbeat field). */
export async function renewLease(
  store: Store,
  agentId: string,
  leaseSecs: number,
  heartbeat: boolean,
): Promise<void> {
  const p = store.redis.pipeline().add(
    "SET",
    store.keys.lease(agentId),
    `${Deno.pid}@${hostname()}`,
    "EX",
    Math.max(1, leaseSecs),
  );
  if (heartbeat) {
    // Only touch an existing record: a pruned agent must not come back as a stub.
    p.add("EVAL", TOUCH, 1, store.keys.agent(agentId), hashTime(new Date()));
  }
  await p.exec();
}

const TOUCH =
  "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'last_heartbeat', ARGV[1]) end";

export async function releaseLease(store: Store, agentId: string): Promise<void> {
  await store.redis.del(store.keys.lease(agentId));
}

/** Is the agent's lease held? (False once it expired or was released.) */
export async function leaseHeld(store: Store, agentId: string): Promise<boolean> {
  return (await store.redis.exists(store.keys.lease(agentId))) === 1;
}

let cachedHost: string | undefined;
export function hostname(): string {
  if (cachedHost === undefined) {
    try {
      cachedHost = Deno.hostname();
    } catch {
      cachedHost = "unknown";
    }
  }
  return cachedHost;
}
