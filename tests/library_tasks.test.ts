/**
 * Tasks through the library (mod.ts): the "Tasks" group of tinytown's library integration
 * tests (library.md §14), with AgentHandle.assign, Channel task records and TaskService.
 */
import assert from "node:assert/strict";
import {
  assignTask,
  completeTask,
  failTask,
  isTaskTerminal,
  newId,
  newTask,
  startTask,
  TaskService,
  TtError,
} from "../mod.ts";
import { withLibTown } from "./helpers/lib_town.ts";

Deno.test("a new task is pending, unassigned, without result or completion time", () => {
  const task = newTask("Test task");
  assert.equal(task.state, "pending");
  assert.equal(task.assignedTo, undefined);
  assert.equal(task.result, undefined);
  assert.equal(task.completedAt, undefined);
  assert.deepEqual(task.tags, []);
});

Deno.test("assign of a task already assigned to the agent stores it assigned, with its text", () =>
  withLibTown(async (town) => {
    const h = await town.spawnAgent("assignee", { start: false });
    const id = await h.assign(assignTask(newTask("Test task"), h.id));
    const stored = await town.channel.getTask(id);
    assert.equal(stored?.state, "assigned");
    assert.equal(stored?.assignedTo, h.id);
    assert.equal(stored?.description, "Test task");
    const [message] = await h.inbox();
    assert.deepEqual(message.body, { type: "task_assign", taskId: id });
  }));

Deno.test("assign of a string or an unassigned Task assigns it; another agent's is refused", () =>
  withLibTown(async (town) => {
    const h = await town.spawnAgent("assignee", { start: false });
    const other = await town.spawnAgent("other", { start: false });
    const fromText = await town.channel.getTask(await h.assign("Fix the bug in auth.ts"));
    assert.equal(fromText?.state, "assigned");
    assert.equal(fromText?.assignedTo, h.id);
    const pending = newTask("tagged", { tags: ["backend"] });
    const fromTask = await town.channel.getTask(await h.assign(pending));
    assert.equal(fromTask?.state, "assigned");
    assert.deepEqual(fromTask?.tags, ["backend"]);
    await assert.rejects(
      () => h.assign(assignTask(newTask("theirs"), other.id)),
      (err: Error) => err instanceof TtError && /is assigned to/.test(err.message),
    );
    assert.equal(await h.inboxLen(), 2);
  }));

Deno.test("three assigns store three tasks that read back with their descriptions", () =>
  withLibTown(async (town) => {
    const h = await town.spawnAgent("multi", { start: false });
    const texts = ["Task 1", "Task 2", "Task 3"];
    const ids = [];
    for (const text of texts) ids.push(await h.assign(assignTask(newTask(text), h.id)));
    for (const [i, id] of ids.entries()) {
      assert.equal((await town.channel.getTask(id))?.description, texts[i]);
    }
  }));

Deno.test("assign -> assigned, start -> running, complete -> completed with result", () => {
  const agent = newId();
  const assigned = assignTask(newTask("Test"), agent);
  assert.equal(assigned.state, "assigned");
  assert.equal(assigned.assignedTo, agent);
  const running = startTask(assigned);
  assert.equal(running.state, "running");
  assert.ok(running.startedAt);
  const done = completeTask(running, "Done!");
  assert.equal(done.state, "completed");
  assert.equal(done.result, "Done!");
  assert.ok(done.completedAt);
});

Deno.test("fail after start -> failed, the error as result, completed_at set", () => {
  const failed = failTask(startTask(newTask("Failing")), "Something went wrong");
  assert.equal(failed.state, "failed");
  assert.equal(failed.result, "Something went wrong");
  assert.ok(failed.completedAt);
});

Deno.test("tags are kept, and the parent id is recorded", () => {
  assert.deepEqual(newTask("Tagged", { tags: ["backend", "urgent", "bug"] }).tags, [
    "backend",
    "urgent",
    "bug",
  ]);
  const parent = newTask("Parent");
  assert.equal(newTask("Child", { parentId: parent.id }).parentId, parent.id);
});

Deno.test("a saved assigned task reads back with description, state and assignee", () =>
  withLibTown(async (town) => {
    const agent = newId();
    const task = assignTask(newTask("Persistent task"), agent);
    await town.channel.saveTask(task);
    const back = await town.channel.getTask(task.id);
    assert.equal(back?.description, "Persistent task");
    assert.equal(back?.state, "assigned");
    assert.equal(back?.assignedTo, agent);
    assert.deepEqual((await town.channel.listTasks()).map((t) => t.id), [task.id]);
  }));

Deno.test("current task: the one current_task names, even when a description holds a UUID", () =>
  withLibTown(async (town) => {
    const h = await town.spawnAgent("current", { start: false });
    const decoy = newId();
    const id = await h.assign(`Follow up on ${decoy} and report`);
    await h.assign("A second open task, so only the pointer can decide");
    await TaskService.setCurrentForAgent(town, "current", id);
    const current = await TaskService.currentForAgent(town, "current");
    assert.equal(current?.id, id);
    assert.equal(current?.state, "assigned");
  }));

Deno.test("complete clears current_task and counts the task on the agent, once", () =>
  withLibTown(async (town) => {
    const h = await town.spawnAgent("finisher", { start: false });
    const id = await h.assign("Finish me");
    await TaskService.setCurrentForAgent(town, h.id, id);
    const r = await TaskService.complete(town, id, "all good");
    assert.equal(r.task.state, "completed");
    assert.equal(r.task.result, "all good");
    assert.equal(r.previous, "assigned");
    assert.equal(r.clearedCurrentTask, true);
    assert.equal(r.tasksCompleted, 1);
    const agent = await h.state();
    assert.equal(agent?.currentTask, undefined);
    assert.equal(agent?.tasksCompleted, 1);
    assert.equal(await TaskService.currentForAgent(town, h.id), null);
    const stored = await town.channel.getTask(id);
    assert.equal(stored?.state, "completed");
    assert.equal(stored?.result, "all good");
    // Completing again does not count twice.
    assert.equal((await TaskService.complete(town, id, "again")).tasksCompleted, undefined);
    assert.equal((await h.state())?.tasksCompleted, 1);
  }));

Deno.test("assign plus a status_request leave two messages and the task assigned", () =>
  withLibTown(async (town) => {
    const h = await town.spawnAgent("workflow", { start: false });
    const id = await h.assign(assignTask(newTask("Implement feature X"), h.id));
    await h.send({ type: "status_request" });
    assert.equal(await h.inboxLen(), 2);
    assert.equal((await town.channel.getTask(id))?.state, "assigned");
  }));

Deno.test("saving after start reads back running; after complete, completed with result", () =>
  withLibTown(async (town) => {
    const agent = newId();
    let task = assignTask(newTask("Lifecycle"), agent);
    await town.channel.saveTask(task);
    task = startTask(task);
    await town.channel.saveTask(task);
    assert.equal((await town.channel.getTask(task.id))?.state, "running");
    task = completeTask(task, "Lifecycle complete");
    await town.channel.saveTask(task);
    const back = await town.channel.getTask(task.id);
    assert.equal(back?.state, "completed");
    assert.equal(back?.result, "Lifecycle complete");
  }));

Deno.test("reading an unknown task id gives null", () =>
  withLibTown(async (town) => {
    assert.equal(await town.channel.getTask(newId()), null);
    assert.equal(await town.channel.getTask("not-a-uuid"), null);
  }));

Deno.test("completed and failed are terminal, pending is not", () => {
  assert.equal(isTaskTerminal("completed"), true);
  assert.equal(isTaskTerminal("failed"), true);
  assert.equal(isTaskTerminal("pending"), false);
});

Deno.test("twenty assigns give twenty distinct task ids", () =>
  withLibTown(async (town) => {
    const h = await town.spawnAgent("many-tasks", { start: false });
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add(await h.assign(`Task ${i}`));
    assert.equal(ids.size, 20);
    assert.equal((await TaskService.list(town, { agent: "many-tasks" })).length, 20);
  }));
