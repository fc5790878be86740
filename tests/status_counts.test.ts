/**
 * The per-state task sets `tt status` counts from (#15 §3): after every kind of task write they
 * match a full scan of the records, parallel writers keep them exact, `tt migrate` and
 * `tt restore` recount them, and status then sends the same number of Redis commands for 10
 * tasks as for 1,000.
 */
import assert from "node:assert/strict";
import {
  assignTask,
  cancelTask,
  completeTask,
  failTask,
  newTask,
  requeueTask,
  startTask,
  type Task,
  taskToHash,
} from "../src/model/task.ts";
import type { Agent } from "../src/model/agent.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { newMessage } from "../src/model/message.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { addToBacklog, removeFromBacklog } from "../src/service/backlog_ops.ts";
import { reclaimInboxes } from "../src/service/reclaim_inboxes.ts";
import { reclaimOrphanTasks } from "../src/service/reclaim_orphans.ts";
import { restoreTown, saveTown } from "../src/service/snapshot.ts";
import { assignNewTask, completeTaskRef, failTaskRef } from "../src/service/task_ops.ts";
import { townStatus } from "../src/service/town_status.ts";
import { openTown } from "../src/town/town.ts";
import { envFrom } from "../src/town/env.ts";
import { addAgent, withStore, withTownStore } from "./helpers/kit.ts";
import { openTestStore, type TestStore as Store } from "./helpers/store.ts";

/** Counts and running task ids by reading every task, as status did before the sets. */
async function fullScan(store: Store) {
  const counts = { pending: 0, assigned: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  const running: string[] = [];
  for (const t of await store.tasks.listBrief()) {
    counts[t.state]++;
    if (t.state === "running" && t.assignedTo) running.push(t.id);
  }
  return { counts, running: running.sort() };
}

async function assertExact(store: Store, step: string): Promise<void> {
  const summary = await store.taskStates.summary();
  assert.ok(summary, `${step}: the sets cover the task index`);
  assert.deepEqual(
    { counts: summary.counts, running: summary.running.map((t) => t.id).sort() },
    await fullScan(store),
    step,
  );
}

const props = ["state", "assignedTo", "startedAt", "completedAt", "result", "updatedAt"] as const;

Deno.test("per-state sets match a full scan after every kind of task write", async () => {
  await withStore("cnt", async (store) => {
    const alice = await addAgent(store, "alice");
    const bob = await addAgent(store, "bob");
    await assertExact(store, "empty town");

    const queued = await addToBacklog(store, "backlog work");
    const other = await addToBacklog(store, "more backlog work");
    await assertExact(store, "create (backlog)");
    const { task: direct } = await assignNewTask(store, "alice", "direct work");
    await assertExact(store, "create assigned");
    assert.equal(await store.tasks.claim(queued.id, bob.id), "claimed");
    await assertExact(store, "claim");

    const started = startTask({ ...queued, assignedTo: bob.id, state: "assigned" });
    assert.equal(await store.tasks.update(started, props, ["assigned"]), "written");
    await assertExact(store, "start");
    await completeTaskRef(store, started.id, "done");
    await assertExact(store, "complete");
    await failTaskRef(store, direct.id, "broke");
    await assertExact(store, "fail");
    const later = (await assignNewTask(store, "bob", "later work")).task;
    assert.equal(await store.tasks.update(cancelTask(later, "no"), props), "written");
    await assertExact(store, "cancel");
    const again = (await assignNewTask(store, "alice", "again")).task;
    assert.equal(await store.tasks.update(requeueTask(startTask(again)), props), "written");
    await assertExact(store, "requeue");
    await store.tasks.save(startTask(assignTask(newTask("saved whole"), alice.id)));
    await assertExact(store, "save whole record");
    await removeFromBacklog(store, other.id);
    await assertExact(store, "delete");

    // Reclaim: bob's loop is gone; his task_assign goes back to the backlog, his orphan
    // running task is cancelled, alice's running task goes to the backlog.
    const held = (await assignNewTask(store, "bob", "held by bob")).task;
    const orphan = startTask(assignTask(newTask("orphan"), bob.id));
    await store.tasks.create(orphan);
    await store.agents.save({ ...bob, state: "stopped" });
    await reclaimInboxes(store, { toBacklog: true });
    assert.equal((await store.tasks.get(held.id))?.state, "pending");
    await assertExact(store, "reclaim task_assign to the backlog");
    await store.mailbox.send(newMessage(SUPERVISOR_ID, bob.id, { type: "task", description: "x" }));
    await reclaimInboxes(store, { toBacklog: true });
    await assertExact(store, "reclaim free text to the backlog");
    await reclaimOrphanTasks(store, "cancel");
    assert.equal((await store.tasks.get(orphan.id))?.state, "cancelled");
    await assertExact(store, "reclaim orphan: cancel");
    const lost = startTask(assignTask(newTask("lost"), bob.id));
    await store.tasks.create(lost);
    await reclaimOrphanTasks(store, "to_backlog");
    await assertExact(store, "reclaim orphan: to the backlog");
    const gone = startTask(assignTask(newTask("gone"), bob.id));
    await store.tasks.create(gone);
    await reclaimOrphanTasks(store, "delete");
    assert.equal(await store.tasks.get(gone.id), undefined);
    await assertExact(store, "reclaim orphan: delete");

    // Another tool writes records tt's sets do not know: status falls back until migrate.
    const foreign = { ...newTask("tinytown's"), state: "running" as const, assignedTo: alice.id };
    await store.redis.command([
      "HSET",
      store.keys.task(foreign.id),
      ...Object.entries(taskToHash(foreign).set).flat(),
    ]);
    await store.redis.sadd(store.keys.tasksIndex, foreign.id);
    assert.equal(await store.taskStates.summary(), undefined, "uncounted task: full read");
    await store.redis.command(["HSET", store.keys.task(started.id), "state", "in_flight"]);
    await store.migration.run("cnt");
    await assertExact(store, "migrate");
    assert.equal((await store.taskStates.summary())?.counts.running, 3);

    // Reset of the whole town leaves nothing, the sets included.
    await store.wipe.delete(false);
    assert.deepEqual(await store.redis.scanAll(store.keys.pattern), []);
    await assertExact(store, "reset");
  });
});

Deno.test("restore recounts: a snapshot without (or with stale) sets comes back exact", async () => {
  await withStore("snap", async (store) => {
    const alice = await addAgent(store, "alice");
    const tasks: Task[] = [];
    for (let i = 0; i < 6; i++) {
      const t = assignTask(newTask(`t${i}`), alice.id);
      tasks.push(i % 2 ? startTask(t) : t);
      await store.tasks.create(tasks[i]);
    }
    // The saved sets are then damaged: a stale member, a missing one.
    await store.redis.command(["SADD", store.keys.taskStates[5], tasks[0].id]);
    await store.redis.command(["SREM", store.keys.taskStates[2], tasks[1].id]);
    const file = await Deno.makeTempFile({ suffix: ".json" });
    try {
      await saveTown(store, "snap", file);
      await store.wipe.delete(false);
      await restoreTown(store, "snap", file, true);
      await assertExact(store, "restore");
      assert.equal((await store.taskStates.summary())?.counts.running, 3);
    } finally {
      await Deno.remove(file);
    }
  });
});

Deno.test("parallel completes and fails on many connections keep the counts exact", async () => {
  await withStore("race", async (store, url) => {
    const alice = await addAgent(store, "alice");
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const t = startTask(assignTask(newTask(`job ${i}`), alice.id));
      await store.tasks.create(t);
      ids.push(t.id);
    }
    const clients = await Promise.all(
      Array.from({ length: 6 }, () => RedisClient.connect(url)),
    );
    try {
      const writers = clients.map((c) => openTestStore(c, "race"));
      // Every task is completed by two writers and failed by a third at once.
      await Promise.all(ids.flatMap((id, i) => [
        completeTaskRef(writers[i % 6], id),
        completeTaskRef(writers[(i + 1) % 6], id),
        failTaskRef(writers[(i + 2) % 6], id).catch(() => undefined),
      ]));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    await assertExact(store, "after the races");
    const s = (await store.taskStates.summary())!;
    assert.equal(s.counts.completed + s.counts.failed, 60);
    assert.equal(s.counts.running, 0);
  });
});

/** Redis commands the server ran, from INFO commandstats. */
async function commandsRun(store: Store): Promise<number> {
  const info = String(await store.redis.command(["INFO", "commandstats"]));
  return [...info.matchAll(/calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

Deno.test("tt status sends as many Redis commands for 1,000 tasks as for 10", async () => {
  await withTownStore("bounded", async (town, store) => {
    const agents: Agent[] = [];
    // Distinct creation times: agents made in one millisecond would list in the index's order.
    const created = Date.now();
    for (let i = 0; i < 5; i++) {
      agents.push(await addAgent(store, `a${i}`, { createdAt: new Date(created + i) }));
    }
    const opened = await openTown(town.dir, { env: envFrom(town.env) });
    try {
      const fill = async (n: number) => {
        for (let i = 0; i < n; i += 100) {
          const tx = store.transaction();
          for (let j = i; j < Math.min(n, i + 100); j++) {
            const t = assignTask(newTask(`bulk ${j}`), agents[j % 5].id);
            store.tasks.createTo(
              tx,
              j % 3 === 0 ? completeTask(t, "ok") : j % 3 === 1 ? failTask(t, "x") : t,
            );
          }
          await tx.exec();
        }
      };
      const measure = async () => {
        const before = await commandsRun(store);
        const status = await townStatus(opened, store, { deep: true });
        const sent = await commandsRun(store) - before - 1; // minus the second INFO
        return { status, sent };
      };
      // Two running tasks, whatever the total.
      for (const a of agents.slice(0, 2)) {
        await store.tasks.create(startTask(assignTask(newTask(`running on ${a.name}`), a.id)));
      }
      await fill(8);
      const small = await measure();
      assert.equal(small.status.taskTotal, 10);
      await fill(990);
      const big = await measure();
      assert.equal(big.status.taskTotal, 1000);
      assert.equal(big.status.taskCounts.running, 2);
      assert.deepEqual(big.status.agents.map((a) => a.running.length), [1, 1, 0, 0, 0]);
      assert.equal(big.sent, small.sent, `${big.sent} commands vs ${small.sent} for 10 tasks`);
      assert.ok(big.sent < 60, `${big.sent} commands`);
      // --tasks still reads what it shows.
      const listed = await townStatus(opened, store, { tasks: true });
      assert.equal(listed.tasks?.length, 1000);
      assert.deepEqual(listed.taskCounts, big.status.taskCounts);
    } finally {
      await opened.close();
    }
  });
});
