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

/**
 * What the processes seen so far run, by pid, so that checking many agents (`tt status` on a
 * town whose loops share a few loop hosts) reads each process once, not once per agent: its
 * command line; `alive` where it runs but cannot be told (not Linux); null when it is gone.
 */
export type ProcessLooks = Map<number, string[] | "alive" | null>;

/**
 * Whether the agent's recorded loop still runs on this machine (its pid, not a recycled one):
 * its own `tt agent-loop` process, or a loop host (whose loops clear the pid when they end).
 */
export function loopRunsHere(
  agent: Pick<Agent, "id" | "pid" | "host">,
  seen?: ProcessLooks,
): boolean {
  return loopProcessHere(agent, seen) !== undefined;
}

/** What runs the agent's recorded loop here: its own process, a loop host, or nothing. */
export function loopProcessHere(
  agent: Pick<Agent, "id" | "pid" | "host">,
  seen?: ProcessLooks,
): "process" | "host" | undefined {
  if (!agent.pid || (agent.host && agent.host !== hostname())) return undefined;
  let look = seen?.get(agent.pid);
  if (look === undefined) {
    look = lookAt(agent.pid);
    seen?.set(agent.pid, look);
  }
  if (look === null) return undefined;
  if (look === "alive") return "process";
  if (look.includes("agent-host")) return "host";
  return look.includes(agent.id) ? "process" : undefined;
}

function lookAt(pid: number): string[] | "alive" | null {
  if (!isAlive(pid)) return null;
  if (Deno.build.os !== "linux") return "alive";
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
  } catch {
    return null;
  }
}

/**
 * Waits until the agent's loop on this machine has exited (a killed loop may still be ending
 * its CLI: SIGTERM, a grace period, SIGKILL). True once it is gone, false at the deadline. A
 * loop in a host outlives nothing but its record's pid: with `store`, that is watched too.
 */
export async function waitForLoopExit(
  agent: Pick<Agent, "id" | "pid" | "host">,
  timeoutMs: number,
  store?: Store,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const kind = loopProcessHere(agent);
    if (kind === undefined) return true;
    if (kind === "host" && store) {
      const now = await store.agents.get(agent.id);
      if (!now || now.pid !== agent.pid) return true;
    }
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}
