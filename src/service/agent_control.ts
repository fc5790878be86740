/** Agent lifecycle commands: kill, interrupt, resume, close, wait, prune. */
import { TtError } from "../errors.ts";
import {
  type Agent,
  AGENT_STATES,
  type AgentState,
  isTerminalState,
  stateDisplayName,
} from "../model/agent.ts";
import { type EventType, newEvent } from "../model/event.ts";
import { signalProcess } from "../process.ts";
import type { Store } from "../store/store.ts";
import { loopRunsHere, waitForLoopExit } from "../agent/liveness.ts";
import { endOrphanCli } from "./agent_orphan.ts";
import { sleep } from "../sleep.ts";

const ACTIVE_STATES: readonly AgentState[] = AGENT_STATES.filter((s) => !isTerminalState(s));

export interface ControlResult {
  agent: Agent;
  previous: AgentState;
  /** True when the agent's loop process on this machine was sent SIGTERM. */
  signalled?: boolean;
}

/**
 * Stops an agent now: the record says stopped, a stop flag is left for its loop, and a loop on
 * this machine is sent SIGTERM so a running CLI is ended too (its messages go back).
 */
export async function killAgent(store: Store, ref: string): Promise<ControlResult> {
  const agent = await store.agents.resolveAgent(ref, "the conductor mailbox cannot be killed");
  await store.redis.set(store.keys.stop(agent.id), "1", { ex: 3600 });
  const signalled = signalLoop(agent);
  // With its loop gone, the loop cannot end the CLI; do it here.
  if (!signalled) await endOrphanCli(agent);
  if (!isTerminalState(agent.state)) {
    await change(
      store,
      agent,
      "stopped",
      "🛑 Stop requested",
      "agent_stopped",
      "Agent stop requested",
    );
  }
  return {
    agent: { ...agent, state: isTerminalState(agent.state) ? agent.state : "stopped" },
    previous: agent.state,
    signalled,
  };
}

/** Pauses an agent: its loop takes no messages until resumed (a running round finishes). */
export async function interruptAgent(store: Store, ref: string): Promise<ControlResult> {
  const agent = await store.agents.resolveAgent(ref, "the conductor mailbox cannot be interrupted");
  if (isTerminalState(agent.state)) {
    throw new TtError(`agent '${agent.name}' is ${agent.state} and cannot be interrupted`);
  }
  if (agent.state === "paused") return { agent, previous: agent.state };
  await change(
    store,
    agent,
    "paused",
    "⏸️ Interrupted (paused)",
    "agent_interrupted",
    "Agent interrupted (paused)",
  );
  return { agent: { ...agent, state: "paused" }, previous: agent.state };
}

export async function resumeAgent(store: Store, ref: string): Promise<ControlResult> {
  const agent = await store.agents.resolveAgent(ref, "the conductor mailbox cannot be resumed");
  if (agent.state !== "paused") {
    throw new TtError(
      `agent '${agent.name}' is ${agent.state}; only a paused agent can be resumed`,
    );
  }
  await store.redis.del(store.keys.stop(agent.id));
  // Resuming is activity: the idle clock starts again, or a long pause would idle it out at once.
  await change(
    store,
    { ...agent, lastActiveAt: new Date() },
    "idle",
    "▶️ Resumed",
    "agent_resumed",
    "Agent resumed",
    ["lastActiveAt"],
  );
  return { agent: { ...agent, state: "idle" }, previous: agent.state };
}

/** Asks an agent to finish what it is doing and stop; it ends `cold`. */
export async function closeAgent(store: Store, ref: string): Promise<ControlResult> {
  const agent = await store.agents.resolveAgent(ref, "the conductor mailbox cannot be closed");
  if (isTerminalState(agent.state)) {
    throw new TtError(`agent '${agent.name}' is already ${agent.state}`);
  }
  await store.redis.set(store.keys.stop(agent.id), "1", { ex: 3600 });
  await change(
    store,
    agent,
    "draining",
    "🔻 Closing (draining then stop)",
    "agent_stopped",
    "Agent closing (draining then stop)",
  );
  return { agent: { ...agent, state: "draining" }, previous: agent.state };
}

export interface WaitResult {
  agent: Agent;
  timedOut: boolean;
}

/** Waits until the agent reaches a terminal state (stopped, error, cold), or the timeout. */
export async function waitForAgent(
  store: Store,
  ref: string,
  timeoutSecs?: number,
  pollMs = 250,
): Promise<WaitResult> {
  const first = await store.agents.resolveAgent(
    ref,
    "the conductor mailbox has no state to wait for",
  );
  const deadline = timeoutSecs === undefined ? Infinity : Date.now() + timeoutSecs * 1000;
  let agent: Agent | undefined = first;
  for (;;) {
    if (!agent) throw new TtError(`agent '${first.name}' was removed while waiting`);
    if (isTerminalState(agent.state)) return { agent, timedOut: false };
    if (Date.now() >= deadline) return { agent, timedOut: true };
    await sleep(Math.min(pollMs, deadline - Date.now()));
    agent = await store.agents.get(first.id);
  }
}

export interface PruneResult {
  removed: Agent[];
  /** Messages that were still waiting for removed agents, now in the dead letters. */
  deadLettered: number;
}

/**
 * Removes stopped and errored agents (all agents with `all`, killing live ones first). Their
 * unhandled messages are kept in the dead letters, so nothing is removed silently.
 */
export async function pruneAgents(store: Store, all: boolean): Promise<PruneResult> {
  const agents = await store.agents.list();
  const doomed = agents.filter((a) => all || a.state === "stopped" || a.state === "error");
  let deadLettered = 0;
  for (const agent of doomed) {
    if (!isTerminalState(agent.state)) await killAgent(store, agent.id);
    // A loop still ending its CLI would put messages back into the deleted agent's keys.
    await waitForLoopExit(agent, 15_000);
    const { taken, rejected } = await store.mailbox.take(agent.id, 0);
    const left = [
      ...taken.map((t) => ({
        raw: t.raw,
        urgent: t.urgent,
        reason: `agent ${agent.name} was pruned`,
      })),
      ...rejected,
    ];
    await store.mailbox.finish(agent.id, [], left);
    deadLettered += left.length;
    await store.agents.delete(agent.id);
    await store.events.emit(
      newEvent("agent_stopped", `Agent ${agent.name} pruned`, {
        agentId: agent.id,
        oldState: stateDisplayName(agent.state),
      }),
    );
  }
  return { removed: doomed, deadLettered };
}

async function change(
  store: Store,
  agent: Agent,
  to: AgentState,
  activity: string,
  eventType: EventType,
  message: string,
  alsoWrite: readonly (keyof Agent)[] = [],
): Promise<void> {
  // Guarded by the state just read: the loop may have ended meanwhile (max rounds, idle
  // timeout) and a live-looking state on a loopless agent would never end (restart refuses it).
  const allowed = to === "idle" ? ["paused" as const] : ACTIVE_STATES;
  const r = await store.agents.updateIfState({ ...agent, state: to }, [
    "state",
    ...alsoWrite,
  ], allowed);
  if (r === "missing") throw new TtError(`agent '${agent.name}' was removed meanwhile`);
  if (r === "state-mismatch") {
    // A kill finds the loop already ended: the agent is stopped either way.
    if (to === "stopped") return;
    const now = (await store.agents.get(agent.id))?.state ?? "removed";
    throw new TtError(`agent '${agent.name}' became ${now} meanwhile; nothing was changed`);
  }
  const p = store.redis.pipeline();
  store.activity.addTo(p, agent.id, activity);
  store.events.addTo(
    p,
    newEvent(eventType, message, {
      agentId: agent.id,
      oldState: stateDisplayName(agent.state),
      newState: stateDisplayName(to),
    }),
  );
  await p.exec();
}

/** SIGTERM to the agent's loop when it runs on this machine. */
function signalLoop(agent: Agent): boolean {
  return loopRunsHere(agent) && signalProcess(agent.pid!, "SIGTERM");
}
