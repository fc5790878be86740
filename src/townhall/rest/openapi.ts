/**
 * The OpenAPI 3.1 document served at `/openapi.json`: every route the app has, with the
 * request schemas derived from the zod bodies and the response schemas the tests validate
 * every response against. Fixed where the reference's document disagrees with its code
 * (townhall.md §11.8).
 */
import { VERSION } from "../../version.ts";
import * as bodies from "./schemas.ts";
import { ref, type Schema, schemas, str } from "./openapi_schemas.ts";

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
  const mission = (summary: string, body?: Schema, ok: Schema = ref("MissionChange")) =>
    operation({
      summary,
      scope: "agent.manage",
      params: ["id"],
      ok: [200, ok],
      errors: [400, 404, 409],
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
    "/v1/missions/{id}/fail": {
      post: mission("Fail a mission", b(bodies.missionFailBody), ref("MissionFailed")),
    },
    "/v1/missions/{id}": { delete: mission("Delete a mission", undefined, ref("MissionDeleted")) },
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
