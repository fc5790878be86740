/**
 * The OpenAPI 3.1 document served at `/openapi.json`: every route the app has, with the
 * request schemas derived from the zod bodies and the response schemas the tests validate
 * every response against. Fixed where the reference's document disagrees with its code
 * (townhall.md §11.8).
 */
import { VERSION } from "../../version.ts";
import * as bodies from "./schemas.ts";

type Schema = Record<string, unknown>;

const str = { type: "string" };
const int = { type: "integer", minimum: 0 };
const bool = { type: "boolean" };
const nullableStr = { type: ["string", "null"] };
const uuid = { type: "string", format: "uuid" };

function obj(props: Record<string, Schema>, extra: Schema = {}): Schema {
  return {
    type: "object",
    properties: props,
    required: Object.keys(props),
    additionalProperties: false,
    ...extra,
  };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (items: Schema) => ({ type: "array", items });

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
  parent_agent_id: { type: ["string", "null"], format: "uuid" },
  spawn_mode: { enum: ["fresh", "forkedcontext", "resumed"] },
  cli: str,
  state: { enum: AGENT_STATES },
  current_scope: nullableStr,
};

const schemas: Record<string, Schema> = {
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
  Town: obj({ name: str, redis_url: str, root: str }),
  Status: obj({
    name: str,
    redis_url: str,
    root: str,
    agent_count: int,
    agents: arrayOf(ref("AgentFull")),
  }),
  AgentList: obj({ agents: arrayOf(ref("Agent")), count: int }),
  Spawned: obj({
    agent_id: uuid,
    cli: str,
    name: str,
    nickname: nullableStr,
    parent_agent_id: { type: ["string", "null"], format: "uuid" },
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
};

const json = (schema: Schema) => ({ content: { "application/json": { schema } } });
const problemResponses = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [String(c), { description: "error", ...json(ref("Problem")) }]),
  );

const AUTH = {
  "401": { description: "no or bad credentials", ...json(ref("AuthError")) },
  "403": { description: "missing scope", ...json(ref("AuthError")) },
  "429": { description: "rate limited", ...json(ref("RateLimited")) },
};
const BODY_ERRORS = problemResponses(400, 413, 415, 422);

interface Op {
  summary: string;
  scope?: string;
  body?: Schema;
  bodyOptional?: boolean;
  ok: [number, Schema];
  errors?: number[];
  params?: string[];
  query?: Record<string, Schema>;
}

function operation(op: Op): Schema {
  const responses: Record<string, unknown> = {
    [String(op.ok[0])]: { description: "success", ...json(op.ok[1]) },
    ...problemResponses(...(op.errors ?? [])),
    ...problemResponses(500, 503),
  };
  if (op.body) Object.assign(responses, BODY_ERRORS);
  if (op.scope) Object.assign(responses, AUTH);
  const parameters = [
    ...(op.params ?? []).map((name) => ({ name, in: "path", required: true, schema: str })),
    ...Object.entries(op.query ?? {}).map(([name, schema]) => ({ name, in: "query", schema })),
  ];
  return {
    summary: op.summary,
    ...(op.scope ? { security: [{ bearer: [] }, { apiKey: [] }], "x-scope": op.scope } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: !op.bodyOptional, ...json(op.body) } } : {}),
    responses,
  };
}

const b = bodies.jsonSchemaOf;
const agentParam = ["agent"];

/** Paths in OpenAPI form (`{param}`), each method with its operation. */
function paths(): Record<string, Record<string, Schema>> {
  const health = operation({ summary: "Liveness", ok: [200, ref("Health")] });
  const ready = operation({
    summary: "Readiness (Redis answers)",
    ok: [200, ref("Ready")],
  });
  (ready.responses as Record<string, unknown>)["503"] = {
    description: "not ready",
    ...json(ref("NotReady")),
  };
  const metrics = {
    summary: "Prometheus metrics",
    responses: {
      "200": { description: "metrics", content: { "text/plain": { schema: str } } },
      "503": {
        description: "town metrics unavailable",
        content: { "text/plain": { schema: str } },
      },
    },
  };
  const inbox = operation({
    summary: "An agent's inbox",
    scope: "town.read",
    params: agentParam,
    ok: [200, ref("Inbox")],
    errors: [404, 409],
  });
  const mission = (summary: string, body?: Schema) =>
    operation({
      summary,
      scope: "agent.manage",
      params: ["id"],
      ok: [200, { type: "object" }],
      errors: [400, 404, 501],
      ...(body ? { body, bodyOptional: true } : {}),
    });
  return {
    "/health": { get: health },
    "/healthz": { get: health },
    "/ready": { get: ready },
    "/readyz": { get: ready },
    "/metrics": { get: metrics },
    "/api/scaling": { get: operation({ summary: "Autoscaler signal", ok: [200, ref("Scaling")] }) },
    "/openapi.json": {
      get: {
        summary: "This document",
        responses: { "200": { description: "OpenAPI", ...json({ type: "object" }) } },
      },
    },
    "/v1/town": {
      get: operation({ summary: "Town identity", scope: "town.read", ok: [200, ref("Town")] }),
    },
    "/v1/status": {
      get: operation({
        summary: "Town status with every agent",
        scope: "town.read",
        ok: [200, ref("Status")],
        errors: [400],
        query: { deep: { type: "string", enum: ["true", "false"] } },
      }),
    },
    "/v1/agents": {
      get: operation({ summary: "List agents", scope: "town.read", ok: [200, ref("AgentList")] }),
      post: operation({
        summary: "Spawn an agent (starts its loop)",
        scope: "agent.manage",
        body: b(bodies.spawnBody),
        ok: [201, ref("Spawned")],
        errors: [400, 404, 409],
      }),
    },
    "/v1/agents/prune": {
      post: operation({
        summary: "Remove stopped agents",
        scope: "agent.manage",
        body: b(bodies.pruneBody),
        ok: [200, ref("Pruned")],
      }),
    },
    "/v1/agents/{agent}/kill": {
      post: operation({
        summary: "Stop an agent",
        scope: "agent.manage",
        params: agentParam,
        ok: [200, ref("AgentAction")],
        errors: [400, 404, 409],
      }),
    },
    "/v1/agents/{agent}/restart": {
      post: operation({
        summary: "Restart a stopped agent's loop",
        scope: "agent.manage",
        params: agentParam,
        body: b(bodies.restartBody),
        bodyOptional: true,
        ok: [200, ref("AgentAction")],
        errors: [400, 404, 409],
      }),
    },
    "/v1/agents/{agent}/inbox": { get: inbox, post: inbox },
    "/v1/tasks/assign": {
      post: operation({
        summary: "Assign a new task",
        scope: "town.write",
        body: b(bodies.assignBody),
        ok: [201, ref("Assigned")],
        errors: [404, 409],
      }),
    },
    "/v1/tasks/pending": {
      get: operation({
        summary: "Tasks waiting in inboxes",
        scope: "town.read",
        ok: [200, ref("Pending")],
      }),
    },
    "/v1/backlog": {
      get: operation({ summary: "The backlog", scope: "town.read", ok: [200, ref("Backlog")] }),
      post: operation({
        summary: "Add a backlog task",
        scope: "town.write",
        body: b(bodies.backlogAddBody),
        ok: [201, ref("BacklogAdded")],
      }),
    },
    "/v1/backlog/assign-all": {
      post: operation({
        summary: "Give every backlog task to an agent",
        scope: "town.write",
        body: b(bodies.agentBody),
        ok: [200, ref("AssignedAll")],
        errors: [404, 409],
      }),
    },
    "/v1/backlog/{task_id}/claim": {
      post: operation({
        summary: "Claim a backlog task",
        scope: "town.write",
        params: ["task_id"],
        body: b(bodies.agentBody),
        ok: [200, ref("Assigned")],
        errors: [400, 404, 409],
      }),
    },
    "/v1/backlog/{task_id}": {
      delete: operation({
        summary: "Remove a backlog task",
        scope: "town.write",
        params: ["task_id"],
        ok: [200, ref("Removed")],
        errors: [400, 404],
      }),
    },
    "/v1/messages/send": {
      post: operation({
        summary: "Send a message",
        scope: "town.write",
        body: b(bodies.sendBody),
        ok: [201, ref("Sent")],
        errors: [404, 409],
      }),
    },
    "/v1/recover": {
      post: operation({
        summary: "Recover agents whose loop died",
        scope: "agent.manage",
        ok: [200, ref("Recovered")],
      }),
    },
    "/v1/reclaim": {
      post: operation({
        summary: "Reclaim dead agents' messages",
        scope: "agent.manage",
        body: b(bodies.reclaimBody),
        ok: [200, ref("Reclaimed")],
        errors: [404, 409],
      }),
    },
    "/v1/reclaim/orphan-tasks": {
      post: operation({
        summary: "Orphan tasks: list, requeue, cancel or delete",
        scope: "agent.manage",
        body: b(bodies.orphanBody),
        bodyOptional: true,
        ok: [200, ref("Orphans")],
        errors: [400],
      }),
    },
    "/v1/missions/{id}/stop": { post: mission("Stop a mission", b(bodies.missionStopBody)) },
    "/v1/missions/{id}/resume": { post: mission("Resume a mission") },
    "/v1/missions/{id}/complete": { post: mission("Complete a mission") },
    "/v1/missions/{id}/fail": { post: mission("Fail a mission", b(bodies.missionFailBody)) },
    "/v1/missions/{id}": { delete: mission("Delete a mission") },
  };
}

/** The whole document. */
export function openApiDocument(): Schema {
  return {
    openapi: "3.1.0",
    info: {
      title: "tt townhall",
      version: VERSION,
      description: "The town's REST control plane (API v1).",
    },
    paths: paths(),
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "API key or OIDC access token" },
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      },
    },
  };
}
