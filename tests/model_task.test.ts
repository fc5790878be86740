import assert from "node:assert/strict";
import {
  assignTask,
  cancelTask,
  completeTask,
  failTask,
  isTaskTerminal,
  newTask,
  parseTaskState,
  requeueTask,
  startTask,
  type Task,
  TASK_STATES,
  taskFromHash,
  taskFromJson,
  taskStateDisplayName,
  taskStateIcon,
  taskToHash,
  taskToJson,
} from "../src/model/task.ts";
import { TtError } from "../src/errors.ts";

const TASK = "9b1e4c2a-77d0-4f5e-8a21-3c4d5e6f7a8b";
const AGENT = "7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11";
const T0 = new Date(Date.UTC(2026, 3, 22, 10, 15));
const T1 = new Date(Date.UTC(2026, 3, 22, 10, 16));
const T2 = new Date(Date.UTC(2026, 3, 22, 10, 17));

// core §3.4 examples
const SPEC_HASH: Record<string, string> = {
  id: TASK,
  description: "Fix the login bug",
  state: "assigned",
  created_at: "2026-04-22T10:15:00.000000001+00:00",
  updated_at: "2026-04-22T10:15:00.000000513+00:00",
  tags: "[]",
  assigned_to: AGENT,
};
const SPEC_JSON =
  '{"id":"9b1e4c2a-77d0-4f5e-8a21-3c4d5e6f7a8b","description":"Fix the login bug","state":"assigned","assigned_to":"7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11","created_at":"2026-04-22T10:15:00.000000001Z","updated_at":"2026-04-22T10:15:00.000000513Z","started_at":null,"completed_at":null,"result":null,"parent_id":null,"tags":[]}';

Deno.test("task states: parsing, terminal, names and icons", () => {
  assert.equal(parseTaskState("in_flight"), "running");
  assert.equal(parseTaskState("running"), "running");
  assert.equal(parseTaskState("Running"), undefined);
  assert.equal(parseTaskState("done"), undefined);
  assert.deepEqual(TASK_STATES.filter(isTaskTerminal), ["completed", "failed", "cancelled"]);
  assert.equal(taskStateDisplayName("cancelled"), "Cancelled");
  assert.deepEqual(TASK_STATES.map(taskStateIcon), ["⏳", "📌", "🔄", "✅", "❌", "🚫"]);
});

Deno.test("transitions are pure and set updatedAt", () => {
  const t0 = newTask("do it", { id: TASK, now: T0, tags: ["backend"] });
  assert.deepEqual(t0, {
    id: TASK,
    description: "do it",
    state: "pending",
    createdAt: T0,
    updatedAt: T0,
    tags: ["backend"],
  });
  const assigned = assignTask(t0, AGENT, T1);
  assert.equal(t0.state, "pending");
  assert.equal("assignedTo" in t0, false);
  assert.equal(assigned.state, "assigned");
  assert.equal(assigned.assignedTo, AGENT);
  assert.equal(assigned.updatedAt, T1);
  const running = startTask(assigned, T2);
  assert.equal(running.state, "running");
  assert.equal(running.startedAt, T2);
  const done = completeTask(running, "ok", T2);
  assert.deepEqual([done.state, done.result, done.completedAt], ["completed", "ok", T2]);
  const failed = failTask(running, "bad", T2);
  assert.deepEqual([failed.state, failed.result], ["failed", "bad"]);
  const cancelled = cancelTask(assigned, "no longer needed", T2);
  assert.deepEqual([cancelled.state, cancelled.result], ["cancelled", "no longer needed"]);
  // no guards: completing twice is allowed
  assert.equal(completeTask(done, "again", T2).result, "again");
  const requeued = requeueTask(failed, T0);
  assert.equal(requeued.state, "pending");
  assert.equal("assignedTo" in requeued, false);
  assert.equal("startedAt" in requeued, false);
  assert.equal(requeued.result, "bad");
  assert.equal(requeued.completedAt, T2);
  assert.equal(requeued.updatedAt, T0);
  assert.equal(failed.assignedTo, AGENT);
});

Deno.test("the spec's hash example reads and writes back", () => {
  const t = taskFromHash(SPEC_HASH)!;
  assert.equal(t.state, "assigned");
  assert.equal(t.assignedTo, AGENT);
  assert.deepEqual(t.tags, []);
  const { set, del } = taskToHash(t);
  assert.deepEqual(Object.keys(set), [
    "id",
    "description",
    "state",
    "created_at",
    "updated_at",
    "tags",
    "assigned_to",
  ]);
  assert.deepEqual(del, ["started_at", "completed_at", "result", "parent_id", "unfinished_rounds"]);
  assert.equal(set.created_at, "2026-04-22T10:15:00+00:00");
  assert.equal(set.tags, "[]");
});

Deno.test("hash round-trip with all fields; tags as compact JSON", () => {
  const t: Task = {
    ...completeTask(
      startTask(assignTask(newTask("multi\nline", { now: T0 }), AGENT, T1), T1),
      "r",
      T2,
    ),
    parentId: TASK,
    tags: ["backend", "api", 'q"uote'],
    unfinishedRounds: 2,
  };
  const { set, del } = taskToHash(t);
  assert.deepEqual(del, []);
  assert.equal(set.tags, '["backend","api","q\\"uote"]');
  assert.equal(set.description, "multi\nline");
  assert.deepEqual(taskFromHash(set), t);
});

Deno.test("tolerant task hash reading (core §3.4)", () => {
  const now = new Date(Date.UTC(2031, 0, 1));
  assert.equal(taskFromHash({}), undefined);
  assert.throws(() => taskFromHash({ description: "x" }), TtError);
  assert.throws(() => taskFromHash({ id: "x" }), TtError);
  const t = taskFromHash({
    id: TASK,
    state: "weird",
    created_at: "bad",
    tags: "not json",
    assigned_to: "bad",
    started_at: "bad",
    parent_id: "bad",
  }, now)!;
  assert.deepEqual(t, {
    id: TASK,
    description: "",
    state: "pending",
    createdAt: now,
    updatedAt: now,
    tags: [],
  });
  assert.equal(taskFromHash({ id: TASK, state: "in_flight" })!.state, "running");
  assert.deepEqual(taskFromHash({ id: TASK, tags: '{"a":1}' })!.tags, []);
  assert.deepEqual(taskFromHash({ id: TASK, tags: "[1,2]" })!.tags, []);
  assert.deepEqual(taskFromHash({ id: TASK, tags: '["a"]' })!.tags, ["a"]);
});

Deno.test("the spec's JSON example decodes and re-encodes with the same field order", () => {
  const t = taskFromJson(SPEC_JSON);
  const out = taskToJson(t);
  assert.deepEqual(Object.keys(JSON.parse(out)), Object.keys(JSON.parse(SPEC_JSON)));
  assert.equal(out, SPEC_JSON.replaceAll(/\.\d{9}Z/g, "Z"));
  assert.deepEqual(taskFromJson(out), t);
  assert.equal(taskFromJson(SPEC_JSON.replace('"assigned"', '"in_flight"')).state, "running");
  const noTags = JSON.parse(SPEC_JSON);
  delete noTags.tags;
  delete noTags.started_at;
  assert.deepEqual(taskFromJson(noTags).tags, []);
  for (const bad of ["{}", "null", SPEC_JSON.replace('"assigned"', '"Assigned"')]) {
    assert.throws(() => taskFromJson(bad), TtError, bad);
  }
});
