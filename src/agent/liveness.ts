/**
 * Liveness of an agent loop: a lease key with a TTL that the loop renews while it waits and
 * while its CLI runs, plus the pid and host recorded on the agent. `tt recover` and `tt status`
 * read them to tell a live loop from a dead one.
 */
import type { Agent } from "../model/agent.ts";
import { isAlive } from "../process.ts";
import type { Store } from "../store/store.ts";
import { sleep } from "../sleep.ts";

/** Renews the loop's lease (and, with `heartbeat`, the agent's last_heartbeat field). */
export async function renewLease(
  store: Store,
  agentId: string,
  leaseSecs: number,
  heartbeat: boolean,
): Promise<void> {
  // The heartbeat only touches an existing record: a pruned agent must not come back as a stub.
  await store.leases.renew(agentId, `${Deno.pid}@${hostname()}`, leaseSecs, heartbeat);
}

export async function releaseLease(store: Store, agentId: string): Promise<void> {
  await store.leases.release(agentId);
}

/** Is the agent's lease held? (False once it expired or was released.) */
export async function leaseHeld(store: Store, agentId: string): Promise<boolean> {
  return await store.leases.held(agentId);
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

/** Whether the agent's recorded loop still runs on this machine (its pid, not a recycled one). */
export function loopRunsHere(agent: Pick<Agent, "id" | "pid" | "host">): boolean {
  if (!agent.pid || (agent.host && agent.host !== hostname())) return false;
  if (!isAlive(agent.pid)) return false;
  if (Deno.build.os !== "linux") return true;
  try {
    return Deno.readTextFileSync(`/proc/${agent.pid}/cmdline`).includes(agent.id);
  } catch {
    return false;
  }
}

/**
 * Waits until the agent's loop on this machine has exited (a killed loop may still be ending
 * its CLI: SIGTERM, a grace period, SIGKILL). True once it is gone, false at the deadline.
 */
export async function waitForLoopExit(
  agent: Pick<Agent, "id" | "pid" | "host">,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (loopRunsHere(agent)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}
