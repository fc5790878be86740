/**
 * Stopping every agent loop of a town, for `tt stop` and `tt reset`. Each live agent is killed
 * (stop flag, state Stopped, SIGTERM to a loop on this machine); the loops get a grace period to
 * end their CLI and put their messages back; a loop still running then gets SIGKILL, and the CLI
 * it leaves behind is ended here. Callers that delete the agents next can rely on no loop of
 * this machine writing to them afterwards.
 */
import { type Agent, isTerminalState } from "../model/agent.ts";
import { isAlive } from "../process.ts";
import type { Store } from "../store/store.ts";
import { sleep } from "../sleep.ts";
import { killAgent } from "./agent_control.ts";
import { hostname, leaseHeld } from "../agent/liveness.ts";
import { endOrphanCli } from "./agent_orphan.ts";

/** The agents whose loops were stopped, and those that had to be killed. */
export interface LoopsStopped {
  /** Agents that were running and were asked to stop. */
  agentsStopped: string[];
  /** Loops still running after the grace period (they were sent SIGKILL). */
  agentsKilled: string[];
}

/** A loop process on this machine that was sent SIGTERM. */
export interface SignalledLoop {
  name: string;
  pid: number;
  /** Known when the loop was found through its agent record. */
  agentId?: string;
}

/** How long loops get to finish settling their messages before SIGKILL. */
export const LOOP_GRACE_MS = 10_000;

/** Agents a stop acts on: not yet ended, or ended while their recorded loop still runs. */
export function isLiveAgent(agent: Agent): boolean {
  return !isTerminalState(agent.state) || (agent.pid !== undefined && isAlive(agent.pid));
}

/** Stops every live agent of the town and waits for the loops on this machine to exit. */
export async function stopAgentLoops(
  store: Store,
  graceMs = LOOP_GRACE_MS,
): Promise<LoopsStopped> {
  const result: LoopsStopped = { agentsStopped: [], agentsKilled: [] };
  const loops = await signalAgents(store, result);
  await reapLoops(loops, result, graceMs, store);
  return result;
}

/** Kills every live agent; returns the loops on this machine that were signalled. */
export async function signalAgents(store: Store, result: LoopsStopped): Promise<SignalledLoop[]> {
  const loops: SignalledLoop[] = [];
  for (const agent of await store.agents.list()) {
    if (!isLiveAgent(agent)) continue;
    const r = await killAgent(store, agent.id);
    if (!isTerminalState(agent.state)) result.agentsStopped.push(agent.name);
    if (r.signalled && agent.pid) {
      loops.push({ name: agent.name, pid: agent.pid, agentId: agent.id });
    }
  }
  return loops;
}

/**
 * Waits up to `graceMs` for the signalled loops to exit, then SIGKILLs the rest. A killed
 * loop cannot end its CLI (it runs in its own session); with the store at hand it is ended
 * here, from the pid the loop recorded.
 */
export async function reapLoops(
  loops: readonly SignalledLoop[],
  result: LoopsStopped,
  graceMs = LOOP_GRACE_MS,
  store?: Store,
): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (loops.some((l) => isAlive(l.pid)) && Date.now() < deadline) await sleep(50);
  const killed = loops.filter((l) => isAlive(l.pid));
  for (const loop of killed) {
    result.agentsKilled.push(loop.name);
    try {
      Deno.kill(loop.pid, "SIGKILL");
    } catch {
      // exited just now
    }
  }
  const gone = Date.now() + 5000;
  while (killed.some((l) => isAlive(l.pid)) && Date.now() < gone) await sleep(20);
  if (!store) return;
  for (const loop of killed) {
    const agent = loop.agentId && await store.agents.get(loop.agentId).catch(() => undefined);
    if (agent) await endOrphanCli(agent);
  }
}

/** Agents whose loop runs on another machine (its lease is held): they cannot be signalled. */
export async function loopsElsewhere(store: Store): Promise<Agent[]> {
  const here = hostname();
  const remote = (await store.agents.list()).filter((a) => a.host && a.host !== here);
  const held = await Promise.all(remote.map((a) => leaseHeld(store, a.id)));
  return remote.filter((_, i) => held[i]);
}
