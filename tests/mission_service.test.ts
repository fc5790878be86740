/**
 * Mission service operations in-process (what REST and MCP call): redirect notes, help
 * requests deduplicated and replaced rather than stacked, stale assignees released, and the
 * completion hook's outcomes.
 */
import assert from "node:assert/strict";
import { newAgent } from "../src/model/agent.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { newWatch } from "../src/model/mission.ts";
import { completeTask } from "../src/model/task.ts";
import { GhError, ghRunner } from "../src/mission/gh.ts";
import * as missions from "../src/mission/service.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { startRedis } from "./helpers/redis.ts";
import { openTestStore, type TestStore } from "./helpers/store.ts";

async function setup(fn: (env: missions.MissionEnv, store: TestStore) => Promise<void>) {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    const store = openTestStore(client, "svc");
    await fn({ store, root: "/", gh: ghRunner("/nonexistent/gh") }, store);
  } finally {
    await client.close();
  }
}

const idle = (name: string) => ({ ...newAgent(name, "sh"), state: "idle" as const });

Deno.test("mission service: redirect note moves the item and supersedes the old task", () =>
  setup(async (env, store) => {
    const alice = idle("alice");
    await store.agents.save(alice);
    const started = await missions.start(env, { docs: ["docs/plan.md"] });
    const id = started.mission.id;
    assert.equal(started.pass.assigned, 1);
    const bob = idle("bob");
    await store.agents.save(bob);

    await missions.note(env, id.slice(0, 8), "redirect to nobody-here");
    await missions.note(env, id, "redirect to bob alice is out today");
    const tick = await missions.dispatchTick(env, id);
    assert.deepEqual(tick.claimed, [id]);

    const tasks = await store.tasks.list();
    const old = tasks.find((t) => t.assignedTo === alice.id)!;
    assert.equal(old.state, "cancelled");
    assert.equal(old.result, "Superseded by dispatcher redirect to bob (alice is out today)");
    const moved = tasks.find((t) => t.assignedTo === bob.id)!;
    assert.match(moved.description, /^\[Mission Redirect\] docs\/plan\.md/);
    assert.match(moved.description, /Operator correction: alice is out today/);
    const [item] = await store.missions.workItems(id);
    assert.equal(item.assigned_to, bob.id);
    const log = (await store.missions.logLines(id, 50)).join("\n");
    assert.match(log, /ignored redirect directive from conductor: unknown agent 'nobody-here'/);
    assert.match(log, /Redirected work item 'docs\/plan\.md' to 'bob'; cancelled 1 superseded/);
    const status = await missions.status(env, id);
    assert.equal(status.controls.filter((c) => c.processed_at === null).length, 0);
  }));

Deno.test("mission service: help requests are sent once per reason, replaced on a new one", () =>
  setup(async (env, store) => {
    const started = await missions.start(env, { docs: ["a.md", "b.md"], maxParallel: 1 });
    const id = started.mission.id;
    const inbox = () => store.redis.lrange(store.keys.inbox(SUPERVISOR_ID), 0, -1);
    await missions.dispatchTick(env);
    await missions.dispatchTick(env);
    await missions.dispatchTick(env);
    let queries = await inbox();
    assert.equal(queries.length, 1, "three ticks, one request");
    assert.match(queries[0], /has 2 ready work item\(s\) but no idle agents/);
    let m = (await store.missions.get(id))!;
    assert.equal(m.dispatcher_help_request_attempts, 1);

    // One agent takes one item; the reason changes (1 ready) and replaces the old request.
    await store.agents.save(idle("worker"));
    await missions.dispatchTick(env);
    const busy = (await store.agents.list())[0];
    await store.agents.save({ ...busy, state: "working" });
    await missions.dispatchTick(env);
    queries = await inbox();
    assert.equal(queries.length, 1, "the old request was retired");
    assert.match(queries[0], /has 1 ready work item\(s\)/);
    m = (await store.missions.get(id))!;
    assert.equal(m.dispatcher_last_help_request_reason?.includes("1 ready"), true);

    await missions.stop(env, id);
    assert.equal((await inbox()).length, 0, "stop retires the mission's help requests");
  }));

Deno.test("mission service: completion hook outcomes and stale assignees", () =>
  setup(async (env, store) => {
    const worker = idle("worker");
    await store.agents.save(worker);
    const started = await missions.start(env, { docs: ["a.md"], noReviewer: true });
    const id = started.mission.id;
    const [task] = await store.tasks.list();
    assert.equal(await missions.onTaskCompleted(env, { ...task, tags: [] }), undefined);

    // The agent dies: its item goes back to ready, and to the next idle agent.
    await store.agents.save({ ...worker, state: "stopped" });
    await store.tasks.save({ ...task, state: "failed" });
    const other = idle("other");
    await store.agents.save(other);
    await missions.dispatchTick(env);
    const [item] = await store.missions.workItems(id);
    assert.equal(item.assigned_to, other.id);
    const log = (await store.missions.logLines(id, 50)).join("\n");
    assert.match(log, /Released stale assignee/);

    const second = (await store.tasks.list()).find((t) => t.assignedTo === other.id)!;
    const sync = await missions.onTaskCompleted(env, completeTask(second, "done, no PR"));
    assert.equal(sync?.outcome, "completed");
    assert.equal((await store.missions.get(id))!.state, "completed");
    await missions.deleteMission(env, id);
    const gone = await missions.onTaskCompleted(env, completeTask(second, "late"));
    assert.equal(gone?.outcome, "mission_not_found");
  }));

Deno.test("mission service: gh failing in a tick backs the watch off, then blocks the item", () =>
  setup(async (base, store) => {
    let calls = 0;
    const env = {
      ...base,
      gh: {
        run: () => {
          calls++;
          return Promise.reject(new GhError("gh command failed: HTTP 502: Bad Gateway"));
        },
      },
    };
    const worker = idle("worker");
    await store.agents.save(worker);
    const id = (await missions.start(env, { docs: ["a.md"] })).mission.id;
    const [item] = await store.missions.workItems(id);
    const blocked = { ...item, status: "blocked" as const, artifact_refs: ["acme/app#7"] };
    await store.missions.saveWorkItems(blocked);
    const watch = newWatch(blocked, "pr_checks", "acme/app#7", "create_fix_task", 180);
    await store.missions.saveWatches(watch);
    for (let i = 1; i <= 5; i++) {
      const [w] = await store.missions.watches(id);
      await store.missions.saveWatches({ ...w, next_due_at: new Date(0).toISOString() });
      const tick = await missions.dispatchTick(env);
      assert.deepEqual(tick.errors, ["gh command failed: HTTP 502: Bad Gateway"]);
      assert.equal(tick.watchesFailed, 1);
      const [after] = await store.missions.watches(id);
      assert.equal(after.consecutive_failures, i);
      assert.ok(Date.parse(after.next_due_at) > Date.now() + 50_000, "backed off");
    }
    assert.equal(calls, 5);
    const log = (await store.missions.logLines(id, 50)).join("\n");
    assert.match(log, /Work item 'a\.md' blocked: Watch check failed: gh command failed: HTTP 502/);
    assert.equal((await store.missions.get(id))!.state, "running", "one bad check is no failure");
  }));
