/** Response schemas of the OpenAPI document (components.schemas) and the helpers building them. */

/** A JSON Schema object. */
export type Schema = Record<string, unknown>;

export const str = { type: "string" };
const int = { type: "integer", minimum: 0 };
const bool = { type: "boolean" };
const nullableStr = { type: ["string", "null"] };
const uuid = { type: "string", format: "uuid" };
const nullableUuid = { type: ["string", "null"], format: "uuid" };

export function obj(props: Record<string, Schema>, extra: Schema = {}): Schema {
  return {
    type: "object",
    properties: props,
    required: Object.keys(props),
    additionalProperties: false,
    ...extra,
  };
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const arrayOf = (items: Schema) => ({ type: "array", items });

const MISSION_STATES = ["planning", "running", "blocked", "completed", "failed"];

const AGENT_STATES = [
  "Starting",
  "Idle",
  "Working",
  "Paused",
  "Draining",
  "Stopped",
  "Error",
  "Cold",
];

const agentProps = {
  id: uuid,
  name: str,
  nickname: nullableStr,
  role_id: nullableStr,
  parent_agent_id: nullableUuid,
  spawn_mode: { enum: ["fresh", "forkedcontext", "resumed"] },
  cli: str,
  state: { enum: AGENT_STATES },
  current_scope: nullableStr,
};

/** The town's identity, which the status object starts with (as in service/wire.ts). */
const townProps = { name: str, redis_url: str, root: str };

export const schemas: Record<string, Schema> = {
  Problem: obj({ type: str, title: str, status: { type: "integer" }, detail: str }),
  AuthError: obj({ error: str, status: { enum: [401, 403] } }),
  RateLimited: obj({ error: str, retry_after_seconds: int, status: { const: 429 } }),
  Agent: obj(agentProps),
  AgentFull: obj({
    ...agentProps,
    rounds_completed: int,
    tasks_completed: int,
    inbox_len: int,
    urgent_len: int,
  }),
  Health: obj({ status: { const: "ok" }, uptime_secs: int }),
  Ready: obj({
    status: { const: "ready" },
    redis: { const: "connected" },
    redis_latency_ms: { type: "number" },
    dispatcher: { enum: ["idle", "running", "stalled"] },
    town: str,
  }),
  NotReady: obj({
    status: { const: "not_ready" },
    redis: { const: "disconnected" },
    dispatcher: { const: "unknown" },
    town: str,
    detail: str,
  }),
  Scaling: obj({
    town: str,
    timestamp: str,
    queue_depth: int,
    pending_tasks: int,
    in_flight_tasks: int,
    active_agents: int,
    cold_agents: int,
    desired_agents: int,
    max_agents: int,
    scaling_recommendation: { enum: ["scale_up", "steady", "scale_down", "scale_to_zero"] },
  }),
  Town: obj(townProps),
  Status: obj({
    ...townProps,
    agent_count: int,
    agents: arrayOf(ref("AgentFull")),
  }),
  AgentList: obj({ agents: arrayOf(ref("Agent")), count: int }),
  Spawned: obj({
    agent_id: uuid,
    cli: str,
    name: str,
    nickname: nullableStr,
    parent_agent_id: nullableUuid,
    role_id: nullableStr,
  }),
  AgentAction: obj({ agent: str, status: { enum: ["stopped", "restarted"] } }),
  Pruned: obj({ agents: arrayOf(str), removed: int }),
  Inbox: obj({
    agent: str,
    messages: arrayOf(obj({ from: uuid, id: uuid, summary: str, type: str })),
    total: int,
    urgent: int,
  }),
  Assigned: obj({ agent_id: uuid, agent_name: str, task_id: uuid }),
  Pending: obj({
    count: int,
    tasks: arrayOf(obj({ agent_id: uuid, agent_name: str, description: str, task_id: uuid })),
  }),
  Backlog: obj({
    backlog: arrayOf(obj({ description: str, tags: arrayOf(str), task_id: uuid })),
    count: int,
  }),
  BacklogAdded: obj({ description: str, task_id: uuid }),
  AssignedAll: obj({ assigned: int, tasks: arrayOf(uuid) }),
  Removed: obj({ removed: { const: true }, task_id: uuid }),
  Sent: obj({ message_id: uuid, to_agent: uuid, urgent: bool }),
  Recovered: obj({ agents: arrayOf(str), checked: int, recovered: int }),
  Reclaimed: obj({ destination: str, reclaimed: int }),
  Orphans: obj({
    action: { enum: ["list", "to_backlog", "cancel", "delete"] },
    count: int,
    orphans: arrayOf(obj({
      task_id: uuid,
      assigned_to: uuid,
      state: str,
      reason: { enum: ["agent_missing", "agent_terminal"] },
    })),
  }),
  MissionChange: {
    type: "object",
    properties: { id: uuid, state: { enum: MISSION_STATES }, note: str },
    required: ["id", "state"],
    additionalProperties: false,
  },
  MissionFailed: obj({ id: uuid, reason: nullableStr, state: { const: "failed" } }),
  MissionDeleted: obj({ deleted: { const: true }, id: uuid }),
};
