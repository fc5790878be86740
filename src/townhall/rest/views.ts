/** JSON views of records for the REST responses (snake_case, absent values as null). */
import { type Agent, stateDisplayName } from "../../model/agent.ts";
import type { AgentOverview } from "../../service/town.ts";

/** The reduced agent object of `GET /v1/agents`. */
export function agentView(agent: Agent, currentScope?: string) {
  return {
    id: agent.id,
    name: agent.name,
    nickname: agent.nickname ?? null,
    role_id: agent.roleId ?? null,
    parent_agent_id: agent.parentAgentId ?? null,
    spawn_mode: agent.spawnMode,
    cli: agent.cli,
    state: stateDisplayName(agent.state),
    current_scope: currentScope ?? null,
  };
}

/** The full agent object of `GET /v1/status` (counters and mailbox sizes too). */
export function agentFullView(o: AgentOverview) {
  return {
    ...agentView(o.agent, o.currentScope),
    rounds_completed: o.agent.roundsCompleted,
    tasks_completed: o.agent.tasksCompleted,
    inbox_len: o.inboxLen,
    urgent_len: o.urgentLen,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a hyphenated UUID. */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}
