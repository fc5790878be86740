import assert from "node:assert/strict";
import {
  type Agent,
  AGENT_STATES,
  agentFromHash,
  agentFromJson,
  agentToHash,
  agentToJson,
  canAcceptWork,
  displayLabel,
  displayName,
  isActiveState,
  isTerminalState,
  newAgent,
  stateDisplayName,
  stateEmoji,
} from "../src/model/agent.ts";
import { TtError } from "../src/errors.ts";

const ID = "7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11";
const NOW = new Date(Date.UTC(2030, 0, 1));

// core §3.3 example, as HGETALL returns it
const SPEC_HASH: Record<string, string> = {
  id: ID,
  name: "backend",
  agent_type: "worker",
  state: "idle",
  cli: "claude",
  created_at: "2026-04-22T10:11:12.123456789+00:00",
  last_heartbeat: "2026-04-22T10:14:03.004211517+00:00",
  tasks_completed: "0",
  rounds_completed: "1",
  last_active_at: "2026-04-22T10:14:03.004211517+00:00",
  spawn_mode: "fresh",
  nickname: "Matthew",
  role_id: "worker",
};

const SPEC_JSON =
  '{"id":"7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11","name":"backend","nickname":"Matthew","role_id":"worker","parent_agent_id":null,"spawn_mode":"fresh","agent_type":"worker","state":"idle","cli":"claude","current_task":null,"created_at":"2026-04-22T10:11:12.123456789Z","last_heartbeat":"2026-04-22T10:14:03.004211517Z","tasks_completed":0,"rounds_completed":1,"last_active_at":"2026-04-22T10:14:03.004211517Z"}';

Deno.test("state predicates, display names and emoji", () => {
  assert.deepEqual(AGENT_STATES.filter(isTerminalState), ["cold", "stopped", "error"]);
  assert.deepEqual(AGENT_STATES.filter(isActiveState), [
    "starting",
    "idle",
    "working",
    "paused",
    "draining",
  ]);
  assert.deepEqual(AGENT_STATES.filter(canAcceptWork), ["idle"]);
  assert.deepEqual(AGENT_STATES.map(stateDisplayName), [
    "Cold",
    "Starting",
    "Idle",
    "Working",
    "Paused",
    "Draining",
    "Stopped",
    "Error",
  ]);
  assert.equal(stateEmoji("idle"), "💤");
  assert.equal(stateEmoji("paused"), "⏸️");
});

Deno.test("newAgent defaults", () => {
  const a = newAgent("backend", "claude", { id: ID, now: NOW });
  assert.deepEqual(a, {
    id: ID,
    name: "backend",
    nickname: "Matthew",
    spawnMode: "fresh",
    agentType: "worker",
    state: "starting",
    cli: "claude",
    createdAt: NOW,
    lastHeartbeat: NOW,
    tasksCompleted: 0,
    roundsCompleted: 0,
    lastActiveAt: NOW,
  });
  const b = newAgent("x", "codex", { roleId: "reviewer", nickname: "Fred" });
  assert.match(b.id, /^[0-9a-f-]{36}$/);
  assert.equal(b.nickname, "Fred");
  assert.equal(b.roleId, "reviewer");
});

Deno.test("display name and label (core §3.8)", () => {
  const base = newAgent("backend", "claude", { id: ID, now: NOW });
  assert.equal(displayLabel({ ...base, nickname: "Fred", roleId: "reviewer" }), "Fred [reviewer]");
  assert.equal(displayLabel({ ...base, nickname: "Dorothy" }), "Dorothy [backend]");
  assert.equal(
    displayLabel({ ...base, nickname: "Dorothy", roleId: "default" }),
    "Dorothy [backend]",
  );
  const { nickname: _n, ...noNick } = base;
  assert.equal(displayName(noNick), "backend");
  assert.equal(displayLabel({ ...noNick, roleId: "worker" }), "backend [worker]");
});

Deno.test("the spec's hash example reads and writes back the same fields", () => {
  const a = agentFromHash(SPEC_HASH, NOW)!;
  assert.equal(a.id, ID);
  assert.equal(a.state, "idle");
  assert.equal(a.nickname, "Matthew");
  assert.equal(a.roleId, "worker");
  assert.equal(a.roundsCompleted, 1);
  assert.equal(a.createdAt.getTime(), Date.UTC(2026, 3, 22, 10, 11, 12, 123));
  const { set, del } = agentToHash(a);
  assert.deepEqual(Object.keys(set), [
    "id",
    "name",
    "agent_type",
    "state",
    "cli",
    "created_at",
    "last_heartbeat",
    "tasks_completed",
    "rounds_completed",
    "last_active_at",
    "spawn_mode",
    "nickname",
    "role_id",
  ]);
  assert.deepEqual(del, [
    "current_task",
    "parent_agent_id",
    "pid",
    "host",
    "last_error",
    "last_error_detail",
    "cli_pid",
  ]);
  assert.equal(set.created_at, "2026-04-22T10:11:12.123+00:00");
  for (const k of ["id", "name", "agent_type", "state", "cli", "tasks_completed", "nickname"]) {
    assert.equal(set[k], SPEC_HASH[k], k);
  }
});

Deno.test("hash round-trip with every optional field, including tt extras", () => {
  const a: Agent = {
    ...newAgent("w1", "codex", { id: ID, now: NOW, roleId: "runner" }),
    parentAgentId: "00000000-0000-0000-0000-0000000000aa",
    currentTask: "9b1e4c2a-77d0-4f5e-8a21-3c4d5e6f7a8b",
    spawnMode: "forkedcontext",
    state: "working",
    tasksCompleted: 3,
    pid: 4242,
    host: "box",
    lastError: "boom",
    lastErrorDetail: {
      outcome: "failed",
      exitCode: 3,
      message: "round 2: agent CLI exited with 3",
      at: NOW,
      round: 2,
      failedInARow: 1,
      log: "/town/.tt/logs/w1_round_2.log",
      outputTail: ["first", "last"],
    },
    cliPid: 4343,
  };
  const { set, del } = agentToHash(a);
  assert.deepEqual(del, []);
  assert.equal(set.pid, "4242");
  assert.equal(set.cli_pid, "4343");
  assert.equal(set.spawn_mode, "forkedcontext");
  assert.deepEqual(agentFromHash(set, NOW), a);
});

Deno.test("tolerant hash reading (core §3.3)", () => {
  assert.equal(agentFromHash({}), undefined);
  assert.throws(() => agentFromHash({ name: "x" }), TtError);
  assert.throws(() => agentFromHash({ id: "not-a-uuid" }), /invalid id/);
  const a = agentFromHash({
    id: ID.toUpperCase(),
    state: "sleeping",
    agent_type: "boss",
    spawn_mode: "Fresh",
    created_at: "yesterday",
    last_heartbeat: "",
    tasks_completed: "-1",
    rounds_completed: "many",
    current_task: "nope",
    parent_agent_id: "nope",
    pid: "abc",
  }, NOW)!;
  assert.deepEqual(a, {
    id: ID,
    name: "",
    spawnMode: "fresh",
    agentType: "worker",
    state: "starting",
    cli: "",
    createdAt: NOW,
    lastHeartbeat: NOW,
    tasksCompleted: 0,
    roundsCompleted: 0,
    lastActiveAt: NOW,
  });
  // last_active_at falls back to created_at, not to now
  const b = agentFromHash({ id: ID, created_at: "2026-01-01T00:00:00+00:00" }, NOW)!;
  assert.equal(b.lastActiveAt.getTime(), Date.UTC(2026, 0, 1));
  assert.equal(agentFromHash({ id: ID, tasks_completed: "+7" })!.tasksCompleted, 7);
  // an empty nickname is kept as tinytown keeps it
  assert.equal(agentFromHash({ id: ID, nickname: "" })!.nickname, "");
});

Deno.test("the spec's JSON example decodes and re-encodes with the same field order", () => {
  const a = agentFromJson(SPEC_JSON);
  const out = agentToJson(a);
  assert.deepEqual(Object.keys(JSON.parse(out)), Object.keys(JSON.parse(SPEC_JSON)));
  const expected = SPEC_JSON.replaceAll(/\.(\d{3})\d{6}Z/g, ".$1Z");
  assert.equal(out, expected);
  assert.deepEqual(agentFromJson(out), a);
});

Deno.test("agent JSON reading follows serde defaults and errors", () => {
  const minimal = JSON.stringify({
    id: ID,
    name: "n",
    agent_type: "worker",
    state: "idle",
    cli: "claude",
    created_at: "2026-04-22T10:11:12Z",
    last_heartbeat: "2026-04-22T10:11:12Z",
    tasks_completed: 2,
  });
  const a = agentFromJson(minimal, NOW);
  assert.equal(a.spawnMode, "fresh");
  assert.equal(a.roundsCompleted, 0);
  assert.equal(a.lastActiveAt, NOW);
  assert.equal(a.nickname, undefined);
  assert.equal("nickname" in a, false);
  const broken = [
    "",
    "[]",
    "{",
    JSON.stringify({ ...JSON.parse(minimal), state: "sleeping" }),
    JSON.stringify({ ...JSON.parse(minimal), id: 5 }),
    JSON.stringify({ ...JSON.parse(minimal), tasks_completed: -1 }),
    JSON.stringify({ ...JSON.parse(minimal), created_at: undefined }),
  ];
  for (const s of broken) assert.throws(() => agentFromJson(s), TtError, s);
  const extras = agentToJson({ ...a, pid: 9, host: "h" });
  assert.deepEqual(Object.keys(JSON.parse(extras)).slice(-2), ["pid", "host"]);
  assert.equal(agentFromJson(extras).pid, 9);
});
