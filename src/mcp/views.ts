/**
 * The JSON shapes only the MCP face answers with (townhall.md §8.3-8.5); those REST answers with
 * too are in service/wire.ts. Snake_case keys; envelope.ts sorts them.
 */
import type { Agent } from "../model/agent.ts";
import type { AgentOverview } from "../service/town.ts";
import { agentFullObject } from "../service/wire.ts";

/**
 * The 8-field agent object of the resources: the full agent object (service/wire.ts) cut down
 * to its name, CLI, state, counters and mailbox sizes.
 */
export function agentSummary(o: AgentOverview): Record<string, unknown> {
  const { cli, id, inbox_len, name, rounds_completed, state, tasks_completed, urgent_len } =
    agentFullObject(o);
  return { cli, id, inbox_len, name, rounds_completed, state, tasks_completed, urgent_len };
}

/** `2026-04-22 10:15:00.123 UTC`: the reference's (chrono Display) form, millisecond precision. */
export function displayTime(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", " UTC");
}

/** `{agent, status}` of the agent-control tools. */
export function agentStatus(agent: string, status: string): Record<string, unknown> {
  return { agent, status };
}

/** The agent record a tool changed, reduced to its id, name and lowercase state. */
export function agentBrief(a: Agent): Record<string, unknown> {
  return { id: a.id, name: a.name, state: a.state };
}
