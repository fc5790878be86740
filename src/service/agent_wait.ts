/**
 * Waiting on an agent and reading what it produced, for the faces (MCP `agent.wait`,
 * `agent.get_result`, `agent.list_open`).
 */
import { isTerminalState } from "../model/agent.ts";
import type { Agent } from "../model/agent.ts";
import type { Task } from "../model/task.ts";
import { sleep } from "../sleep.ts";
import type { TownContext } from "./context.ts";

/** How long `wait` waits and how it is called off. */
export interface AgentWaitOptions {
  /** Give up after this long and return the record as it is (default: no limit). */
  timeoutMs?: number;
  /** Aborting ends the wait at once with the signal's reason. */
  signal?: AbortSignal;
  /** How often the record is read. Default 250 ms. */
  pollMs?: number;
}

/**
 * Polls until the agent is in a terminal state (`stopped`, `error`, `cold`) or the timeout
 * passes; returns the record then. Rejects when the agent disappears or the signal aborts.
 */
export async function wait(
  ctx: TownContext,
  ref: string,
  options: AgentWaitOptions = {},
): Promise<Agent> {
  const { store } = ctx;
  const first = await store.agents.resolveAgent(ref);
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const pollMs = options.pollMs ?? 250;
  let agent = first;
  for (;;) {
    options.signal?.throwIfAborted();
    if (isTerminalState(agent.state)) return agent;
    const left = deadline - Date.now();
    if (left <= 0) return agent;
    await sleep(Math.min(pollMs, left), options.signal);
    const now = await store.agents.get(first.id);
    if (!now) throw new Error(`Agent not found: ${ref}`);
    agent = now;
  }
}

/** Agents not in a terminal state, oldest first. */
export async function listOpen(ctx: TownContext): Promise<Agent[]> {
  return (await ctx.store.agents.list()).filter((a) => !isTerminalState(a.state));
}

/** The agent's most recently completed task, or null when it completed none. */
export async function lastResult(ctx: TownContext, ref: string): Promise<Task | null> {
  const { store } = ctx;
  const agent = await store.agents.resolveAgent(ref);
  let best: Task | null = null;
  for (const t of await store.tasks.list()) {
    if (t.assignedTo !== agent.id || t.state !== "completed") continue;
    const at = (t.completedAt ?? t.updatedAt).getTime();
    if (!best || at > (best.completedAt ?? best.updatedAt).getTime()) best = t;
  }
  return best;
}
