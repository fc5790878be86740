/**
 * The JSON shapes the MCP face answers with (townhall.md §3.3, §8.3-8.5): snake_case keys,
 * absent optional values as null, agent states capitalised as the reference shows them.
 */
import { type Agent, stateDisplayName } from "../model/agent.ts";
import type { Task } from "../model/task.ts";
import type { AgentOverview, TownInfo } from "../service/town.ts";

/**
 * The town object of `town.get_status` (full agent objects) and `tinytown://town/current`
 * (agent summaries).
 */
export function townObject(
  info: TownInfo,
  overviews: AgentOverview[],
  agentView: (o: AgentOverview) => Record<string, unknown>,
): Record<string, unknown> {
  const agents = overviews.map(agentView);
  return {
    name: info.name,
    root: info.root,
    redis_url: info.redisUrl,
    agent_count: agents.length,
    agents,
  };
}

/** The full agent object of `town.get_status`, `agent.list` and `agent.list_open`. */
export function agentObject(o: AgentOverview): Record<string, unknown> {
  const a = o.agent;
  return {
    id: a.id,
    name: a.name,
    nickname: a.nickname ?? null,
    role_id: a.roleId ?? null,
    parent_agent_id: a.parentAgentId ?? null,
    spawn_mode: a.spawnMode,
    cli: a.cli,
    state: stateDisplayName(a.state),
    rounds_completed: a.roundsCompleted,
    tasks_completed: a.tasksCompleted,
    inbox_len: o.inboxLen,
    urgent_len: o.urgentLen,
    current_scope: o.currentScope ?? null,
  };
}

/** The 8-field agent object of the resources. */
export function agentSummary(o: AgentOverview): Record<string, unknown> {
  const a = o.agent;
  return {
    cli: a.cli,
    id: a.id,
    inbox_len: o.inboxLen,
    name: a.name,
    rounds_completed: a.roundsCompleted,
    state: stateDisplayName(a.state),
    tasks_completed: a.tasksCompleted,
    urgent_len: o.urgentLen,
  };
}

/** A backlog entry. */
export function backlogEntry(id: string, task: Task | undefined): Record<string, unknown> {
  return {
    task_id: id,
    description: task?.description ?? "(task record not found)",
    tags: task?.tags ?? [],
  };
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
