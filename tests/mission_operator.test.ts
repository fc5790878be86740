/**
 * The operator's mission operations in-process (what MCP `mission.pause`, `mission.approve`,
 * `mission.reject` and `mission.input` call): pause through one dispatcher tick, approve and
 * reject standing in for the reviewer, and input forwarded to the item's agent.
 */
import assert from "node:assert/strict";
import { newAgent } from "../src/model/agent.ts";
import { decodeMessage } from "../src/model/message.ts";
import { completeTask } from "../src/model/task.ts";
import type { WorkItem } from "../src/model/mission.ts";
import { ghRunner } from "../src/mission/gh.ts";
import { complete } from "../src/mission/outcome.ts";
import * as missions from "../src/mission/service.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { startRedis } from "./helpers/redis.ts";
import { openTestStore, type TestStore } from "./helpers/store.ts";

async function setup(fn: (env: missions.MissionEnv, store: TestStore) => Promise<void>) {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    const store = openTestStore(client, "ops");
    await fn({ store, root: "/", gh: ghRunner("/nonexistent/gh") }, store);
  } finally {
    await client.close();
  }
}

const idle = (name: string) => ({ ...newAgent(name, "sh"), state: "idle" as const });

/** A submitted implementation item waiting on the reviewer gate. */
const awaiting = (w: WorkItem): WorkItem => ({
  ...w,
  kind: "implement",
  status: "blocked",
  reviewer_approved: false,
  artifact_refs: ["task:1", "implemented, no PR"],
});

Deno.test("mission pause: one tick blocks a running mission; guards on state; a held lease waits", () =>
  setup(async (env, store) => {
    const id = (await missions.start(env, { docs: ["a.md"] })).mission.id;
    const paused = await missions.pause(env, id.slice(0, 8), {
      sender: "mcp",
      via: "mission.pause",
    });
    assert.equal(paused.processed, true);
    assert.equal(paused.mission.state, "blocked");
    assert.equal(paused.mission.blocked_reason, "Paused by mcp: pause requested via mission.pause");
    assert.ok((await store.missions.activeIds()).includes(id), "a paused mission stays active");
    const controls = await store.missions.controls(id);
    assert.equal(controls.length, 1);
    assert.notEqual(controls[0].processed_at, null);
    await assert.rejects(
      () => missions.pause(env, id),
      /blocked, not running, and cannot be paused/,
    );

    await missions.resume(env, id);
    // Another dispatcher holds the mission: the note waits for that dispatcher's tick.
    await store.missions.acquireLocks([id], "someone-else", 90);
    const queued = await missions.pause(env, id);
    assert.equal(queued.processed, false);
    assert.equal(queued.mission.state, "running");
    assert.equal((await store.missions.controls(id)).filter((c) => !c.processed_at).length, 1);
    await store.missions.releaseLocks([id], "someone-else");
    await missions.dispatchTick(env, id);
    assert.equal(
      (await store.missions.get(id))!.blocked_reason,
      "Paused by conductor: pause requested",
    );

    await complete(env, id);
    await assert.rejects(() => missions.pause(env, id), /completed and cannot be paused/);
  }));

Deno.test("mission approve: the one item awaiting review, or the one named; then a scheduler pass", () =>
  setup(async (env, store) => {
    const started = await missions.start(env, { docs: ["a.md", "b.md"] });
    const id = started.mission.id;
    await assert.rejects(
      () => missions.approve(env, id),
      /no work items of mission .* await review/,
    );
    const [a, b] = started.items;
    await store.missions.saveWorkItems(awaiting(a), awaiting(b));
    await assert.rejects(() => missions.approve(env, id), /several work items .* await review/);
    await assert.rejects(
      () => missions.approve(env, id, { itemRef: "ffffffff" }),
      /work item not found: ffffffff/,
    );

    const first = await missions.approve(env, id, { itemRef: a.id.slice(0, 6), artifact: "x:y" });
    assert.equal(first.itemId, a.id);
    assert.equal(first.outcome, "completed");
    const item = (await store.missions.workItems(id)).find((w) => w.id === a.id)!;
    assert.equal(item.status, "done");
    assert.equal(item.reviewer_approved, true);
    assert.ok(item.artifact_refs.includes("x:y"));

    // Now b is the only one waiting: approve finds it, and the mission completes in the pass.
    const second = await missions.approve(env, id);
    assert.equal(second.itemId, b.id);
    assert.equal(second.pass.missionsCompleted, 1);
    assert.equal((await store.missions.get(id))!.state, "completed");
    const log = (await store.missions.logLines(id, 50)).join("\n");
    assert.match(log, /Reviewer approved 'b\.md'/);
  }));

Deno.test("mission reject: approval cleared, a fix task for the owner, help answered", () =>
  setup(async (env, store) => {
    const worker = idle("worker");
    await store.agents.save(worker);
    const id = (await missions.start(env, { docs: ["a.md"] })).mission.id;
    const [item] = await store.missions.workItems(id);
    assert.equal(item.assigned_to, worker.id);
    const m = (await store.missions.get(id))!;
    await store.missions.save({
      ...m,
      dispatcher_last_help_request_at: m.created_at,
      dispatcher_last_help_request_reason: "stuck",
    });
    // The work task was completed with a submission the reviewer had approved.
    const [work] = await store.tasks.list();
    await store.tasks.save(completeTask(work, "implemented, no PR"));
    await store.missions.saveWorkItems({ ...awaiting(item), reviewer_approved: true });
    await assert.rejects(() => missions.reject(env, id, item.id, "  "), /reason .* is empty/);

    const r = await missions.reject(env, id, item.id, "tests are missing");
    assert.equal(r.outcome, "waiting_for_external");
    const after = (await store.missions.workItems(id))[0];
    // Blocked by the rejection, then the pass follows the live fix task: the owner is on it.
    assert.equal(after.status, "assigned");
    assert.equal(after.assigned_to, worker.id);
    assert.equal(after.reviewer_approved, false);
    const fix = (await store.tasks.list()).find((t) => t.tags.includes("mission-fix-task"))!;
    assert.equal(fix.assignedTo, worker.id);
    assert.match(fix.description, /^\[Mission Fix\] a\.md/);
    assert.match(fix.description, /Reason: tests are missing/);
    assert.equal((await store.missions.get(id))!.dispatcher_last_help_request_reason, null);
  }));

Deno.test("mission input: kept as a note, logged, sent urgently to the item's agent", () =>
  setup(async (env, store) => {
    const worker = idle("worker");
    await store.agents.save(worker);
    const id = (await missions.start(env, { docs: ["a.md", "b.md"], maxParallel: 1 })).mission.id;
    const items = await store.missions.workItems(id);
    const owned = items.find((w) => w.assigned_to === worker.id)!;
    const unowned = items.find((w) => w.assigned_to === null)!;
    await assert.rejects(() => missions.input(env, id, owned.id, ""), /input is empty/);
    await assert.rejects(() => missions.input(env, id, "0000", "x"), /work item not found/);

    const r = await missions.input(env, id, owned.id, "use the v2 API", "mcp");
    assert.equal(r.forwardedTo, "worker");
    assert.equal(r.control.sender, "mcp");
    assert.equal(r.control.body, `operator input for work item ${owned.id}: use the v2 API`);
    const urgent = await store.redis.lrange(store.keys.urgent(worker.id), 0, -1);
    assert.equal(urgent.length, 1);
    const sent = decodeMessage(urgent[0]);
    assert.ok(sent.ok);
    assert.deepEqual(sent.message.body, {
      type: "informational",
      summary: `[Mission Input] Mission ${id} work item ${owned.id}: use the v2 API`,
    });
    const log = (await store.missions.logLines(id, 50)).join("\n");
    assert.ok(
      log.includes(`Operator input recorded for work item '${owned.title}': use the v2 API`),
    );

    const quiet = await missions.input(env, id, unowned.id, "later");
    assert.equal(quiet.forwardedTo, undefined);
    assert.equal((await store.missions.controls(id)).length, 2);
  }));
