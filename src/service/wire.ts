/**
 * The snake_case JSON objects both townhall faces answer with (townhall.md §3.3, §4.2, §4.3,
 * §8.3): one mapping per type. REST sends the keys in the order written here; MCP sorts every
 * object's keys before it answers (mcp/envelope.ts), so the same mapping serves it unchanged.
 * Absent optional values are `null`; agent states are capitalised as the reference shows them.
 */
import { type Agent, agentIdentityJson, stateDisplayName } from "../model/agent.ts";
import type { Task } from "../model/task.ts";
import type { PendingTask } from "./task_pending.ts";
import type { AgentOverview, TownInfo } from "./town.ts";

/** The town's identity: REST `GET /v1/town`, and the head of the town object. */
export function townIdentityObject(info: TownInfo) {
  return { name: info.name, redis_url: info.redisUrl, root: info.root };
}

/**
 * The town object of REST `GET /v1/status` and MCP `town.get_status` (full agent objects) and
 * `tinytown://town/current` (agent summaries).
 */
export function townObject<T>(info: TownInfo, agents: T[]) {
  return { ...townIdentityObject(info), agent_count: agents.length, agents };
}

/** The reduced agent object of REST `GET /v1/agents` (no counters or mailbox sizes). */
export function agentReducedObject(agent: Agent, currentScope?: string) {
  return {
    ...agentIdentityJson(agent),
    cli: agent.cli,
    state: stateDisplayName(agent.state),
    current_scope: currentScope ?? null,
  };
}

/**
 * The full agent object: REST `GET /v1/status`, MCP `town.get_status`, `agent.list` and
 * `agent.list_open`. The reduced object with the counters and mailbox sizes after it.
 */
export function agentFullObject(o: AgentOverview) {
  return {
    ...agentReducedObject(o.agent, o.currentScope),
    rounds_completed: o.agent.roundsCompleted,
    tasks_completed: o.agent.tasksCompleted,
    inbox_len: o.inboxLen,
    urgent_len: o.urgentLen,
  };
}

/** A backlog entry: REST `GET /v1/backlog`, MCP `backlog.list` and the backlog resources. */
export function backlogEntryObject(id: string, task: Task | undefined) {
  return {
    description: task?.description ?? "(task record not found)",
    tags: task?.tags ?? [],
    task_id: id,
  };
}

/** A task waiting in an inbox: REST `GET /v1/tasks/pending`, MCP `task.list_pending`. */
export function pendingTaskObject(p: PendingTask) {
  return {
    agent_id: p.agentId,
    agent_name: p.agentName,
    description: p.description,
    task_id: p.taskId,
  };
}
