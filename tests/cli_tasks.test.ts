/**
 * End-to-end tests of `tt assign`, `tt task …` and `tt tasks`: the real tt in a temp town,
 * agents written straight into the store, records read back from Redis.
 */
import assert from "node:assert/strict";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { newTask } from "../src/model/task.ts";
import { completeTaskRef } from "../src/service/task_ops.ts";
import type { TtResult } from "./helpers/tt.ts";
import { withStoreTown } from "./helpers/store_town.ts";

// ---------------------------------------------------------------------------------------------
// Helpers

function assertOneLineError(r: TtResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line expected:\n${r.stderr}`);
  assert.match(lines[0], pattern);
}

// ---------------------------------------------------------------------------------------------
// tt assign

Deno.test("assign: an assigned, indexed task and a task_assign message from the conductor", async () => {
  await withStoreTown(async ({ ok, agent, store }) => {
    const a = await agent("backend");
    const out = await ok(["assign", "backend", "Fix the login bug"]);
    const m = out.match(/^Assigned task ([0-9a-f-]{36}) to agent 'backend'\n$/);
    assert.ok(m, out);
    const id = m[1];
    const hash = await store.redis.hgetall(store.keys.task(id));
    assert.equal(hash.state, "assigned");
    assert.equal(hash.assigned_to, a.id);
    assert.equal(hash.description, "Fix the login bug");
    assert.equal(hash.tags, "[]");
    assert.match(hash.created_at, /\+00:00$/);
    assert.ok((await store.redis.smembers(store.keys.tasksIndex)).includes(id));

    const inbox = (await store.redis.lrange(store.keys.inbox(a.id), 0, -1)).map((s) =>
      JSON.parse(s)
    );
    assert.equal(inbox.length, 1);
    assert.deepEqual(Object.keys(inbox[0]), [
      "id",
      "from",
      "to",
      "type",
      "task_id",
      "priority",
      "created_at",
      "correlation_id",
    ]);
    assert.equal(inbox[0].type, "task_assign");
    assert.equal(inbox[0].task_id, id);
    assert.equal(inbox[0].from, SUPERVISOR_ID);
    assert.equal(inbox[0].priority, "normal");
    // tinytown leaves current_task to the agent loop.
    assert.equal((await store.agents.get(a.id))?.currentTask, undefined);

    const json = JSON.parse(await ok(["assign", "conductor", "Review it", "--json"]));
    assert.equal(json.agent_id, SUPERVISOR_ID);
    assert.equal((await store.tasks.get(json.task_id))?.assignedTo, SUPERVISOR_ID);
    assert.equal(await store.redis.llen(store.keys.inbox(SUPERVISOR_ID)), 1);
  });
});

Deno.test("assign: unknown agent or empty description fails with one line and writes nothing", async () => {
  await withStoreTown(async ({ tt, agent, store }) => {
    await agent("backend");
    assertOneLineError(await tt(["assign", "ghost", "x"]), 1, /agent not found: ghost/);
    assertOneLineError(await tt(["assign", "a;$(id)", "x"]), 1, /agent not found/);
    assertOneLineError(await tt(["assign", "backend", "  "]), 2, /description is empty/);
    assert.equal((await tt(["assign", "backend"])).code, 2);
    assert.deepEqual(await store.tasks.list(), []);
    assert.deepEqual(await store.redis.scanAll(store.keys.kindPattern("inbox")), []);
  });
});

// ---------------------------------------------------------------------------------------------
// tt task complete / fail

Deno.test("task complete: counts once for the agent, clears its current task, accepts a prefix", async () => {
  await withStoreTown(async ({ ok, tt, agent, store }) => {
    const a = await agent("backend");
    const id = JSON.parse(await ok(["assign", "backend", "Ship it", "--json"])).task_id;
    await store.agents.update({ ...a, currentTask: id }, ["currentTask"]);

    const out = await ok(["task", "complete", id.slice(0, 6), "--result", "Shipped v2"]);
    assert.match(out, /Task [0-9a-f]{4} completed/);
    assert.match(out, /has now completed 1 task/);
    assert.match(out, /Cleared the current task/);
    const task = await store.tasks.get(id);
    assert.equal(task?.state, "completed");
    assert.equal(task?.result, "Shipped v2");
    assert.ok(task?.completedAt);
    let rec = await store.redis.hgetall(store.keys.agent(a.id));
    assert.equal(rec.tasks_completed, "1");
    assert.equal(rec.current_task, undefined);

    // Completing again rewrites the result (tinytown allows it) but does not count twice.
    const again = JSON.parse(await ok(["task", "complete", id, "--json"]));
    assert.equal(again.previous_state, "completed");
    assert.equal(again.tasks_completed, null);
    assert.equal(again.task.result, "Completed");
    rec = await store.redis.hgetall(store.keys.agent(a.id));
    assert.equal(rec.tasks_completed, "1");

    assertOneLineError(await tt(["task", "complete", "ffffffff"]), 1, /task not found/);
    assertOneLineError(await tt(["task", "complete", "not-an-id!"]), 1, /task not found/);
  });
});

Deno.test("task complete: two racing completions count once", async () => {
  await withStoreTown(async ({ tt, agent, store, task }) => {
    const a = await agent("backend");
    const t = await task("Race me", a.id);
    const results = await Promise.all([
      tt(["task", "complete", t.id]),
      tt(["task", "complete", t.id]),
      tt(["task", "complete", t.id]),
    ]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    assert.equal((await store.agents.get(a.id))?.tasksCompleted, 1);
  });
});

Deno.test("completeTaskRef: concurrent completions on one connection count once", async () => {
  await withStoreTown(async ({ agent, store, task }) => {
    const a = await agent("backend");
    const t = await task("Race me", a.id, "running");
    // All reads are answered before any write, so every caller sees an open task.
    const results = await Promise.all([1, 2, 3, 4].map(() => completeTaskRef(store, t.id)));
    assert.equal(results.filter((r) => r.tasksCompleted !== undefined).length, 1);
    assert.equal((await store.agents.get(a.id))?.tasksCompleted, 1);
  });
});

Deno.test("task complete keeps a current task that points elsewhere; works without an assignee", async () => {
  await withStoreTown(async ({ ok, agent, store, task }) => {
    const a = await agent("backend");
    const other = await task("Other", a.id, "running");
    const t = await task("Mine", a.id);
    await store.agents.update({ ...a, currentTask: other.id }, ["currentTask"]);
    await ok(["task", "complete", t.id]);
    assert.equal((await store.agents.get(a.id))?.currentTask, other.id);
    assert.equal((await store.agents.get(a.id))?.tasksCompleted, 1);

    const loose = await task("Nobody's");
    const data = JSON.parse(await ok(["task", "complete", loose.id, "--json"]));
    assert.equal(data.task.state, "completed");
    assert.equal(data.tasks_completed, null);
  });
});

Deno.test("task fail: failed with the reason, clears current task; finished tasks cannot fail", async () => {
  await withStoreTown(async ({ ok, tt, agent, store, task }) => {
    const a = await agent("backend");
    const t = await task("Try it", a.id, "running");
    await store.agents.update({ ...a, currentTask: t.id }, ["currentTask"]);
    const out = await ok(["task", "fail", t.id, "--reason", "tests do not pass"]);
    assert.match(out, /Task [0-9a-f]{4} failed/);
    assert.match(out, /Reason: tests do not pass/);
    const stored = await store.tasks.get(t.id);
    assert.equal(stored?.state, "failed");
    assert.equal(stored?.result, "tests do not pass");
    const rec = await store.agents.get(a.id);
    assert.equal(rec?.currentTask, undefined);
    assert.equal(rec?.tasksCompleted, 0);

    assertOneLineError(await tt(["task", "fail", t.id]), 1, /already failed/);
    assertOneLineError(await tt(["task", "fail", "0000dead"]), 1, /task not found/);
    // A failed task can still be completed (as in tinytown), without counting.
    await ok(["task", "complete", t.id]);
    assert.equal((await store.agents.get(a.id))?.tasksCompleted, 0);
  });
});

// ---------------------------------------------------------------------------------------------
// tt task show / current / list, tt tasks

Deno.test("task show: fields, JSON form, unknown and ambiguous references", async () => {
  await withStoreTown(async ({ ok, tt, agent, task, store }) => {
    const a = await agent("backend");
    const t = await task("Line one\nLine two", a.id);
    const out = await ok(["task", "show", t.id.slice(0, 4)]);
    assert.match(out, new RegExp(`^Task ${t.id.slice(0, 4)} \\(${t.id}\\)$`, "m"));
    assert.match(out, /Description: Line one\n {4}Line two/);
    assert.match(out, /State: Assigned/);
    assert.match(out, /Assigned to: .+ \[backend\]/);
    assert.match(out, /Created: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? UTC/);
    const json = JSON.parse(await ok(["task", "show", t.id, "--json"]));
    assert.deepEqual(Object.keys(json).slice(0, 11), [
      "id",
      "description",
      "state",
      "assigned_to",
      "created_at",
      "updated_at",
      "started_at",
      "completed_at",
      "result",
      "parent_id",
      "tags",
    ]);
    assert.equal(json.assigned_to, a.id);
    const twin = (n: string) => `abcd${n.repeat(4)}-1111-4111-8111-111111111111`;
    await store.tasks.create(newTask("One", { id: twin("1") }));
    await store.tasks.create(newTask("Two", { id: twin("2") }));
    assertOneLineError(await tt(["task", "show", "abcd"]), 1, /ambiguous/);
    assert.match(await ok(["task", "show", "abcd2"]), /Description: Two/);
    assertOneLineError(await tt(["task", "show", "abc"]), 1, /task not found/);
    assertOneLineError(await tt(["task", "show", crypto.randomUUID()]), 1, /task not found/);
  });
});

Deno.test("task current: from the argument, TINYTOWN_AGENT_ID or _NAME; none is an error", async () => {
  await withStoreTown(async ({ ok, tt, agent, store, task }) => {
    const a = await agent("backend");
    const b = await agent("reviewer");
    const t = await task("The only open one", a.id, "running");
    await task("Done already", a.id, "completed");
    const viaEnv = await ok(["task", "current"], { TINYTOWN_AGENT_ID: a.id });
    assert.match(viaEnv, new RegExp(`Current task for .+ \\[backend\\]: .*${t.id}`));
    assert.match(viaEnv, new RegExp(`tt task complete ${t.id} --result`));
    assert.match(await ok(["task", "current"], { TINYTOWN_AGENT_NAME: "backend" }), /The only/);
    assert.match(await ok(["task", "current", "backend"]), /The only open one/);
    assert.match(await ok(["task", "current", "reviewer"]), /No current task tracked for/);

    // The pointer wins over the open-task search.
    const pointed = await task("Pointed at", b.id);
    await task("Another open", b.id);
    assert.match(await ok(["task", "current", "reviewer"]), /No current task/); // two open
    await store.agents.update({ ...b, currentTask: pointed.id }, ["currentTask"]);
    const json = JSON.parse(await ok(["task", "current", "reviewer", "--json"]));
    assert.equal(json.task.id, pointed.id);
    assert.equal(json.agent_id, b.id);

    assertOneLineError(await tt(["task", "current"]), 1, /no current agent/);
    assertOneLineError(await tt(["task", "current", "ghost"]), 1, /agent not found: ghost/);
  });
});

Deno.test("task list: all, --state (any case), --agent; bad state is a usage error", async () => {
  await withStoreTown(async ({ ok, tt, agent, task }) => {
    assert.match(await ok(["task", "list"]), /^No tasks found\n$/);
    const a = await agent("backend");
    const b = await agent("reviewer");
    await task("Alpha pending");
    await task("Beta assigned", a.id);
    await task("Gamma running", b.id, "running");
    await task("Delta completed", a.id, "completed");
    const all = await ok(["task", "list"]);
    assert.match(all, /^Tasks \(4\):$/m);
    assert.match(all, /⏳ [0-9a-f]{4} - Alpha pending \[unassigned\]/);
    assert.match(all, /📌 [0-9a-f]{4} - Beta assigned \[.+ \[backend\]\]/);
    const running = await ok(["task", "list", "--state", "RUNNING"]);
    assert.match(running, /Tasks \(1\):\n.*Gamma running/);
    const mine = JSON.parse(await ok(["task", "list", "--agent", "backend", "--json"]));
    assert.deepEqual(mine.map((t: { description: string }) => t.description).sort(), [
      "Beta assigned",
      "Delta completed",
    ]);
    assert.match(await ok(["task", "list", "--state", "failed"]), /No tasks found with state/);
    const bad = await tt(["task", "list", "--state", "bogus"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown task state 'bogus'/);
    assertOneLineError(await tt(["task", "list", "--agent", "ghost"]), 1, /agent not found/);
  });
});

Deno.test("tasks: counts per state, backlog, groups per assignee with at most 5 shown", async () => {
  await withStoreTown(async ({ ok, agent, store, task }) => {
    const a = await agent("backend");
    for (let i = 0; i < 7; i++) await task(`Job ${i}`, a.id);
    await task("Finished", a.id, "completed");
    const loose = await task("Loose");
    await store.redis.rpush(store.keys.backlog, loose.id);
    const out = await ok(["tasks"]);
    assert.match(out, /^Tasks: 9 total \(1 pending, 7 in-flight, 1 done\)$/m);
    assert.match(out, /Assigned: 7/);
    assert.match(out, /Backlog: 1/);
    assert.match(out, /\[backend\] \(7 active, 1 done\)/);
    assert.match(out, /\.\.\. and 3 more task\(s\)/);
    assert.match(out, /\(unassigned\) \(1 active, 0 done\)\n.*Loose/);

    const json = JSON.parse(await ok(["tasks", "--json", "--state", "completed"]));
    assert.equal(json.total, 9);
    assert.equal(json.counts.assigned, 7);
    assert.equal(json.backlog, 1);
    assert.equal(json.groups.length, 1);
    assert.equal(json.groups[0].agent_id, a.id);
    assert.deepEqual(json.groups[0].tasks.map((t: { description: string }) => t.description), [
      "Finished",
    ]);
  });
});
