/**
 * RecoveryService: `tt recover` as a function over an opened town (TownContext): agents whose loop
 * died get their unfinished work put back where a new loop finds it.
 */
import { recoverAgents } from "./recover_agents.ts";
import type { Agent, AgentState } from "../model/agent.ts";
import type { TownContext } from "./context.ts";

/** One agent `recover` acted on. */
export interface RecoveredAgent {
  /** The record as it was before. */
  agent: Agent;
  /** Its state now: `error`, or `stopped` when its loop had ended cleanly. */
  state: AgentState;
  /** Why its loop counts as dead. */
  reason: string;
  /** In-flight messages put back at the front of its inbox. */
  messages: number;
  /** Tasks of it put back to `assigned`. */
  tasksRequeued: number;
}

/** What `recover` looked at and changed. */
export interface RecoverReport {
  /** Agents looked at: every agent of the town (extended.md §2.2), whatever its state. */
  checked: number;
  recovered: RecoveredAgent[];
}

/**
 * `tt recover` (REST `POST /v1/recover`, MCP `recovery.recover_agents`, the library): finds
 * agents whose loop is gone (process or lease) and recovers them.
 */
export async function recover(ctx: TownContext): Promise<RecoverReport> {
  const r = await recoverAgents(ctx.store, {
    leaseSecs: ctx.open.config.agent.leaseSecs,
    townPaths: ctx.open.paths,
  });
  return {
    checked: r.checked,
    recovered: r.recovered.map((x) => ({
      agent: x.agent,
      state: x.state,
      reason: x.reason,
      messages: x.messages,
      tasksRequeued: x.tasks.length,
    })),
  };
}
