/**
 * The townhall REST routes in-process (the reference's townhall tests, townhall.md §10, ported):
 * every response is checked against the served OpenAPI document.
 */
import assert from "node:assert/strict";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import * as backlog from "../src/service/backlog.ts";
import * as tasks from "../src/service/tasks.ts";
import { contextOf } from "../src/lib/context.ts";
import { DEFAULT_POLICY, newMission, startMission } from "../src/model/mission.ts";
import { libTown } from "./helpers/lib_town.ts";
import { restHarness, townhallSettings } from "./helpers/townhall.ts";

Deno.test("status, town, agents, backlog: a fresh town answers without credentials in mode none", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await restHarness(town);
  const status = await h.call("GET", "/v1/status");
  assert.equal(status.status, 200);
  assert.equal(status.body.name, town.name);
  assert.equal(status.body.agent_count, 0);
  assert.ok(!status.body.redis_url.includes("password"));
  assert.equal((await h.call("GET", "/v1/town")).body.name, town.name);
  assert.deepEqual((await h.call("GET", "/v1/agents")).body, { agents: [], count: 0 });
  assert.deepEqual((await h.call("GET", "/v1/backlog")).body, { backlog: [], count: 0 });
  assert.equal((await h.call("GET", "/v1/status?deep=maybe")).status, 400);
  const r = await h.call("GET", "/v1/status");
  assert.match(r.headers.get("x-request-id")!, /^[0-9a-f-]{36}$/);
  assert.equal(r.headers.get("access-control-allow-origin"), "*");
});

Deno.test("agents: listed with full and reduced objects; kill 404s for a ghost", async () => {
  await using t = await libTown();
  const town = await t.init();
  for (const n of ["alpha", "beta", "gamma"]) {
    await town.spawnAgent(n, { cli: "claude", start: false, role: "worker" });
  }
  const h = await restHarness(town);
  const list = await h.call("GET", "/v1/agents");
  assert.deepEqual(list.body.agents.map((a: { name: string }) => a.name).sort(), [
    "alpha",
    "beta",
    "gamma",
  ]);
  assert.equal(list.body.agents[0].state, "Starting");
  const status = await h.call("GET", "/v1/status");
  assert.equal(status.body.agents[0].inbox_len, 0);
  assert.equal(status.body.agents[0].role_id, "worker");
  const ghost = await h.call("POST", "/v1/agents/ghost/kill");
  assert.equal(ghost.status, 404);
  assert.equal(ghost.body.title, "Not Found");
  assert.match(ghost.body.detail, /ghost/);
  const killed = await h.call("POST", "/v1/agents/alpha/kill");
  assert.deepEqual(killed.body, { agent: "alpha", status: "stopped" });
  assert.equal((await town.agent("alpha")).id.length, 36);
  const pruned = await h.call("POST", "/v1/agents/prune", { json: {} });
  assert.deepEqual(pruned.body, { agents: ["alpha"], removed: 1 });
  // Restart of an agent that is not stopped is a conflict, not a 500.
  const busy = await h.call("POST", "/v1/agents/beta/restart");
  assert.equal(busy.status, 409);
});

Deno.test("tasks: assign answers 201 with the task in the inbox; pending lists it", async () => {
  await using t = await libTown();
  const town = await t.init();
  const worker = await town.spawnAgent("worker", { cli: "claude", start: false });
  const h = await restHarness(town);
  const r = await h.call("POST", "/v1/tasks/assign", {
    json: { agent: "worker", task: "Fix bug" },
  });
  assert.equal(r.status, 201);
  assert.equal(r.body.agent_name, "worker");
  assert.equal(r.body.agent_id, worker.id);
  const inbox = await h.call("GET", "/v1/agents/worker/inbox");
  assert.equal(inbox.body.total, 1);
  assert.equal(inbox.body.messages[0].type, "task_assign");
  assert.equal(inbox.body.messages[0].summary, `task assignment ${r.body.task_id}`);
  const pending = await h.call("GET", "/v1/tasks/pending");
  assert.deepEqual(pending.body.tasks, [{
    agent_id: worker.id,
    agent_name: "worker",
    description: "Fix bug",
    task_id: r.body.task_id,
  }]);
  assert.equal(
    (await h.call("POST", "/v1/tasks/assign", { json: { agent: "nobody", task: "x" } })).status,
    404,
  );
});

Deno.test("backlog: add with tags, claim, assign-all, delete (404 when not there)", async () => {
  await using t = await libTown();
  const town = await t.init();
  await town.spawnAgent("worker", { cli: "claude", start: false });
  const h = await restHarness(town);
  const a = await h.call("POST", "/v1/backlog", {
    json: { description: "Task 1", tags: ["backend"] },
  });
  assert.equal(a.status, 201);
  const b = await h.call("POST", "/v1/backlog", { json: { description: "Task 2" } });
  const list = await h.call("GET", "/v1/backlog");
  assert.deepEqual(list.body.backlog.map((i: { description: string }) => i.description), [
    "Task 1",
    "Task 2",
  ]);
  assert.deepEqual(list.body.backlog[0].tags, ["backend"]);
  const claim = await h.call("POST", `/v1/backlog/${a.body.task_id}/claim`, {
    json: { agent: "worker" },
  });
  assert.equal(claim.status, 200);
  assert.equal(claim.body.task_id, a.body.task_id);
  assert.equal(
    (await h.call("POST", "/v1/backlog/nope/claim", { json: { agent: "worker" } })).status,
    400,
  );
  const del = await h.call("DELETE", `/v1/backlog/${b.body.task_id}`);
  assert.deepEqual(del.body, { removed: true, task_id: b.body.task_id });
  assert.equal((await h.call("GET", "/v1/backlog")).body.count, 0);
  const again = await h.call("DELETE", `/v1/backlog/${b.body.task_id}`);
  assert.equal(again.status, 404);
  const c = await h.call("POST", "/v1/backlog", { json: { description: "Task 3" } });
  const all = await h.call("POST", "/v1/backlog/assign-all", { json: { agent: "worker" } });
  assert.deepEqual(all.body, { assigned: 1, tasks: [c.body.task_id] });
});

Deno.test("messages: send accepts from, kinds and urgent; the inbox answers GET and POST", async () => {
  await using t = await libTown();
  const town = await t.init();
  const sender = await town.spawnAgent("sender", { cli: "claude", start: false });
  await town.spawnAgent("receiver", { cli: "claude", start: false });
  const h = await restHarness(town);
  const r = await h.call("POST", "/v1/messages/send", {
    json: { to: "receiver", message: "hello", kind: "info", from: "sender" },
  });
  assert.equal(r.status, 201);
  assert.equal(r.body.urgent, false);
  for (const method of ["GET", "POST"]) {
    const inbox = await h.call(method, "/v1/agents/receiver/inbox");
    assert.equal(inbox.body.agent, "receiver");
    assert.equal(inbox.body.total, 1);
    assert.equal(inbox.body.messages[0].from, sender.id);
    assert.equal(inbox.body.messages[0].type, "info");
  }
  // A sender given by its UUID is taken as is.
  await h.call("POST", "/v1/messages/send", {
    json: { to: "receiver", message: "by id", from: sender.id },
  });
  const byId = await h.call("GET", "/v1/agents/receiver/inbox");
  assert.deepEqual(byId.body.messages.map((m: { from: string }) => m.from), [sender.id, sender.id]);
  await h.call("POST", "/v1/messages/send", {
    json: { to: "receiver", message: "now", urgent: true },
  });
  const inbox = await h.call("GET", "/v1/agents/receiver/inbox");
  assert.deepEqual([inbox.body.total, inbox.body.urgent], [2, 1]);
  await h.call("POST", "/v1/messages/send", {
    json: { to: "conductor", message: "q?", kind: "query" },
  });
  const sup = await h.call("GET", "/v1/agents/supervisor/inbox");
  assert.equal(sup.body.messages[0].summary, "q?");
  assert.equal(sup.body.messages[0].from, SUPERVISOR_ID);
});

Deno.test("recovery: recover, reclaim and orphan tasks on a fresh town report nothing", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await restHarness(town);
  assert.deepEqual((await h.call("POST", "/v1/recover")).body, {
    agents: [],
    checked: 0,
    recovered: 0,
  });
  assert.deepEqual((await h.call("POST", "/v1/reclaim", { json: { to_backlog: true } })).body, {
    destination: "Backlog",
    reclaimed: 0,
  });
  assert.deepEqual((await h.call("POST", "/v1/reclaim/orphan-tasks")).body, {
    action: "list",
    count: 0,
    orphans: [],
  });
  const bad = await h.call("POST", "/v1/reclaim/orphan-tasks", { json: { action: "nuke" } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.detail, /unknown action 'nuke'/);
});

Deno.test("missions: stop, resume, complete, fail, delete; 400 bad id, 404 missing", async () => {
  await using t = await libTown();
  const town = await t.init();
  const { store } = contextOf(town);
  const m = startMission(newMission([{ type: "doc", path: "docs/plan.md" }], DEFAULT_POLICY));
  await store.missions.save(m);
  await store.missions.setActive(m.id, true);
  const h = await restHarness(town);
  assert.equal((await h.call("POST", "/v1/missions/x/stop")).status, 400);
  assert.equal((await h.call("POST", `/v1/missions/${crypto.randomUUID()}/resume`)).status, 404);
  const stopped = await h.call("POST", `/v1/missions/${m.id}/stop`);
  assert.deepEqual(stopped.body, { id: m.id, state: "blocked" });
  assert.deepEqual(await store.missions.activeIds(), []);
  const resumed = await h.call("POST", `/v1/missions/${m.id}/resume`);
  assert.deepEqual(resumed.body, { id: m.id, state: "running" });
  const again = await h.call("POST", `/v1/missions/${m.id}/resume`);
  assert.deepEqual(again.body, { id: m.id, state: "running", note: "already running" });
  const done = await h.call("POST", `/v1/missions/${m.id}/complete`);
  assert.deepEqual(done.body, { id: m.id, state: "completed" });
  assert.equal((await h.call("POST", `/v1/missions/${m.id}/resume`)).status, 409);
  const failed = await h.call("POST", `/v1/missions/${m.id}/fail`, { json: { reason: "nope" } });
  assert.deepEqual(failed.body, { id: m.id, reason: "nope", state: "failed" });
  assert.equal((await store.missions.get(m.id))?.state, "failed");
  const deleted = await h.call("DELETE", `/v1/missions/${m.id}`);
  assert.deepEqual(deleted.body, { deleted: true, id: m.id });
  assert.equal(await store.missions.get(m.id), undefined);
  assert.equal((await h.call("DELETE", `/v1/missions/${m.id}`)).status, 404);
  // Metrics count active missions.
  const m2 = startMission(newMission([{ type: "doc", path: "b.md" }], DEFAULT_POLICY));
  await store.missions.save(m2);
  await store.missions.setActive(m2.id, true);
  assert.match((await h.call("GET", "/metrics")).text, /\ntinytown_missions_active 1\n/);
});

Deno.test("probes: health, ready, metrics with town numbers, scaling; all public in api_key mode", async () => {
  await using t = await libTown();
  const town = await t.init();
  await town.spawnAgent("a1", { cli: "claude", start: false });
  await town.spawnAgent("a2", { cli: "claude", start: false });
  const h = await restHarness(
    town,
    townhallSettings((s) => {
      s.auth.mode = "api_key";
      s.auth.apiKeyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
    }),
  );
  await h.call("POST", "/v1/backlog", { json: { description: "x" } }); // 401: not added
  await backlog.add(contextOf(town), "queued");
  for (const p of ["/health", "/healthz"]) {
    assert.equal((await h.call("GET", p)).body.status, "ok");
  }
  for (const p of ["/ready", "/readyz"]) {
    const r = await h.call("GET", p);
    assert.deepEqual([r.body.status, r.body.redis, r.body.dispatcher, r.body.town], [
      "ready",
      "connected",
      "idle",
      town.name,
    ]);
  }
  const m = await h.call("GET", "/metrics");
  assert.equal(m.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  for (
    const line of [
      "tinytown_up 1",
      "tinytown_ready 1",
      'tinytown_agents_total{state="starting"} 2',
      "tinytown_backlog_tasks 1",
      "tinytown_tasks_pending 1",
    ]
  ) {
    assert.ok(m.text.includes(`\n${line}\n`), `${line} in metrics`);
  }
  assert.match(m.text, /\ntinytown_redis_latency_seconds \d+\.\d{6}\n/);
  assert.match(
    m.text,
    /townhall_http_requests_total\{method="GET",route="\/health",status="200"\} 1/,
  );
  assert.match(
    m.text,
    /townhall_http_request_duration_seconds_bucket\{method="GET",route="\/readyz",le="\+Inf"\} 1/,
  );
  const s = await h.call("GET", "/api/scaling");
  assert.deepEqual(
    [
      s.body.queue_depth,
      s.body.pending_tasks,
      s.body.active_agents,
      s.body.desired_agents,
      s.body.max_agents,
      s.body.scaling_recommendation,
    ],
    [1, 1, 2, 1, 10, "steady"],
  );
  assert.match(s.body.timestamp, /\+00:00$/);
});

Deno.test("scaling: scale_up with queued work, scale_to_zero for idle workers", async () => {
  await using t = await libTown();
  const town = await t.init();
  await town.spawnAgent("worker", { cli: "claude", start: false });
  const h = await restHarness(town);
  await backlog.add(contextOf(town), "one");
  await tasks.assign(contextOf(town), "worker", "two");
  const up = (await h.call("GET", "/api/scaling")).body;
  assert.deepEqual(
    [
      up.queue_depth,
      up.pending_tasks,
      up.in_flight_tasks,
      up.active_agents,
      up.cold_agents,
      up.desired_agents,
      up.scaling_recommendation,
    ],
    [2, 2, 0, 1, 0, 2, "scale_up"],
  );
  // Empty town, one idle agent idle for longer than the idle timeout: scale to zero.
  const ctx = contextOf(town);
  await ctx.open.redis.command(["DEL", ctx.store.keys.backlog]);
  await ctx.open.redis.command(["DEL", ctx.store.keys.inbox((await town.agent("worker")).id)]);
  ctx.open.config.agent.idleTimeoutSecs = 1;
  const agent = (await town.listAgents())[0];
  await ctx.store.agents.update({
    ...agent,
    state: "idle",
    lastActiveAt: new Date(Date.now() - 10_000),
  }, [
    "state",
    "lastActiveAt",
  ]);
  const zero = (await h.call("GET", "/api/scaling")).body;
  assert.deepEqual([
    zero.queue_depth,
    zero.active_agents,
    zero.desired_agents,
    zero.scaling_recommendation,
  ], [
    0,
    1,
    0,
    "scale_to_zero",
  ]);
});

Deno.test("scaling: use_streams counts the docket's unread and unacknowledged entries", async () => {
  await using t = await libTown();
  const town = await t.init();
  const ctx = contextOf(town);
  ctx.open.config.useStreams = true;
  const h = await restHarness(town);
  const key = `${ctx.store.keys.prefix}docket:tasks`;
  const r = ctx.open.redis;
  await r.command(["XGROUP", "CREATE", key, "workers", "$", "MKSTREAM"]);
  await r.command(["XADD", key, "*", "task_id", crypto.randomUUID()]);
  await r.command(["XADD", key, "*", "task_id", crypto.randomUUID()]);
  await r.command(["XREADGROUP", "GROUP", "workers", "c1", "COUNT", "1", "STREAMS", key, ">"]);
  const s = (await h.call("GET", "/api/scaling")).body;
  assert.deepEqual([s.pending_tasks, s.in_flight_tasks, s.queue_depth, s.desired_agents], [
    1,
    1,
    2,
    2,
  ]);
  const read = await r.command(["XRANGE", key, "-", "+", "COUNT", "1"]) as [string, unknown][];
  await r.command(["XACK", key, "workers", read[0][0]]);
  const after = (await h.call("GET", "/api/scaling")).body;
  assert.deepEqual([after.pending_tasks, after.in_flight_tasks, after.queue_depth], [1, 0, 1]);
});

Deno.test("openapi: every route of the app is documented, and nothing else", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await restHarness(town);
  const doc = (await h.call("GET", "/openapi.json")).body;
  const served = h.rest.routes.map((r) => `${r.method} ${r.path.replace(/:([a-z_]+)/g, "{$1}")}`);
  const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)
  );
  assert.deepEqual([...served].sort(), [...documented].sort());
  for (const r of h.rest.routes) {
    const op = doc.paths[r.path.replace(/:([a-z_]+)/g, "{$1}")][r.method.toLowerCase()];
    assert.equal(op["x-scope"], r.scope, `${r.method} ${r.path} scope`);
  }
});

Deno.test("a broken Redis connection: 503 meanwhile, served again once it reconnects", async () => {
  await using t = await libTown();
  await (await t.init()).close();
  const town = await t.connect({ reconnect: { maxWaitMs: 2000, maxDelayMs: 100 } });
  const h = await restHarness(town);
  assert.equal((await h.call("GET", "/ready")).status, 200);
  const ctx = contextOf(town);
  // Kills every normal connection, this one included.
  await ctx.open.redis.command(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"]).catch(
    () => {},
  );
  // The next requests reconnect (or answer 503 while Redis is away), never 500.
  for (let i = 0; i < 3; i++) {
    const r = await h.call("GET", "/v1/status");
    assert.ok(r.status === 200 || r.status === 503, r.text);
  }
  assert.equal((await h.call("GET", "/ready")).status, 200);
});
