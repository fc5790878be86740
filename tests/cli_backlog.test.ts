/**
 * `tt backlog`: add, list (and --for), claim, assign, assign-all, remove, their errors, and
 * the claim race: many claimers, each task won exactly once, each win with its message.
 */
import assert from "node:assert/strict";
import { TtError } from "../src/errors.ts";
import type { Agent } from "../src/model/agent.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { completeTask, newTask, type Task } from "../src/model/task.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { openTestStore as openStore, type TestStore as Store } from "./helpers/store.ts";
import { addAgent, withTownStore as withKitTownStore } from "./helpers/kit.ts";
import {
  addToBacklog,
  assignAllFromBacklog,
  claimFromBacklog,
  listBacklog,
} from "../src/service/backlog_ops.ts";
import { startRedis } from "./helpers/redis.ts";
import { oneErrorLine, type TestTown } from "./helpers/tt.ts";

/** The kit's town and store, with tt run in process. */
function withTownStore(name: string, fn: (town: TestTown, store: Store) => Promise<void>) {
  return withKitTownStore(name, fn, { inProcess: true });
}

async function inbox(store: Store, agentId: string) {
  return (await store.redis.lrange(store.keys.inbox(agentId), 0, -1)).map((m) => JSON.parse(m));
}

Deno.test("tt backlog add/list: tags, order, listing format and JSON", async () => {
  await withTownStore("bl", async (town) => {
    assert.equal((await town.ok("backlog", "list")).trim(), "Backlog is empty");
    const out = await town.ok(
      "backlog",
      "add",
      "Build the API server",
      "--tags",
      " backend, api,,",
    );
    const id = /Added task to backlog: ([0-9a-f-]{36})/.exec(out)?.[1];
    assert.ok(id, out);
    assert.match(out, /Description: Build the API server/);
    const second = JSON.parse(await town.ok("backlog", "add", "Write the README", "--json"));
    assert.deepEqual(second.tags, []);
    assert.equal(second.state, "pending");

    const list = await town.ok("backlog", "list");
    assert.match(list, /^Backlog \(2 tasks\):\n\n/);
    assert.ok(
      list.includes(`   ${id.slice(0, 4)} (${id}) - Build the API server [backend, api]\n`),
      list,
    );
    assert.ok(list.indexOf("Build the API") < list.indexOf("Write the README"), "backlog order");
    const json = JSON.parse(await town.ok("backlog", "list", "--json"));
    assert.equal(json.total, 2);
    assert.deepEqual(json.tasks.map((t: { id: string }) => t.id), [id, second.id]);
    assert.deepEqual(json.tasks[0].tags, ["backend", "api"]);
  });
});

Deno.test("tt backlog list --for shows only the tasks matching the agent's role", async () => {
  await withTownStore("bl", async (town, store) => {
    await addAgent(store, "docs-writer");
    await addAgent(store, "worker");
    const api = await addToBacklog(store, "Add rate limiting", ["backend"]);
    const docs = await addToBacklog(store, "Document the endpoints", ["docs"]);
    const forDocs = JSON.parse(await town.ok("backlog", "list", "--for", "docs-writer", "--json"));
    assert.equal(forDocs.role, "docs");
    assert.equal(forDocs.total, 2);
    assert.deepEqual(forDocs.tasks.map((t: { id: string }) => t.id), [docs.id]);
    const human = await town.ok("backlog", "list", "--for", "worker");
    assert.match(human, /matching worker \(general\): 2 of 2/);
    assert.ok(human.includes(api.id) && human.includes(docs.id), human);
    assert.match(
      oneErrorLine(await town.tt("backlog", "list", "--for", "nobody"), { code: 1 }),
      /nobody/,
    );
  });
});

Deno.test("tt backlog claim: assigns, messages the agent, emits task_assigned; errors", async () => {
  await withTownStore("bl", async (town, store) => {
    const alice = await addAgent(store, "alice");
    const bob = await addAgent(store, "bob");
    const task = await addToBacklog(store, "Fix the login bug", ["backend"]);

    // Unknown agent: refused before the backlog is touched.
    assert.match(
      oneErrorLine(await town.tt("backlog", "claim", task.id, "nobody"), { code: 1 }),
      /agent not found: nobody/,
    );
    assert.deepEqual(await store.tasks.backlogIds(), [task.id]);
    // Unknown task.
    assert.match(
      oneErrorLine(await town.tt("backlog", "claim", "0000", "alice"), { code: 1 }),
      /task not found: 0000/,
    );

    const out = await town.ok("backlog", "claim", task.id.slice(0, 6), "alice");
    assert.match(out, new RegExp(`Claimed task ${task.id} and assigned to '.*\\[alice\\]'`));
    const stored = await store.tasks.get(task.id);
    assert.equal(stored?.state, "assigned");
    assert.equal(stored?.assignedTo, alice.id);
    assert.deepEqual(await store.tasks.backlogIds(), []);
    const [msg] = await inbox(store, alice.id);
    assert.equal(msg.type, "task_assign");
    assert.equal(msg.task_id, task.id);
    assert.equal(msg.from, SUPERVISOR_ID);
    const events = await store.events.recent(10);
    assert.ok(
      events.some((e) => e.event.eventType === "task_assigned" && e.event.taskId === task.id),
      "task_assigned event",
    );

    // Claiming it again: one line naming who has it, nothing changes.
    const again = oneErrorLine(await town.tt("backlog", "claim", task.id, "bob"), { code: 1 });
    assert.match(again, /already claimed by .*alice/);
    assert.equal((await store.tasks.get(task.id))?.assignedTo, alice.id);
    assert.deepEqual(await inbox(store, bob.id), []);

    // A finished task in the backlog is dropped, never reassigned.
    const old = await addToBacklog(store, "Old work");
    await store.tasks.update(completeTask(old, "done"), ["state", "result", "completedAt"]);
    assert.match(
      oneErrorLine(await town.tt("backlog", "claim", old.id, "bob"), { code: 1 }),
      /completed/,
    );
    assert.deepEqual(await store.tasks.backlogIds(), []);
    assert.equal((await store.tasks.get(old.id))?.state, "completed");
  });
});

Deno.test("tt backlog assign, assign-all and remove", async () => {
  await withTownStore("bl", async (town, store) => {
    const carol = await addAgent(store, "carol");
    const one = await addToBacklog(store, "First");
    const two = await addToBacklog(store, "Second");
    const three = await addToBacklog(store, "Third");

    const assigned = JSON.parse(await town.ok("backlog", "assign", one.id, "carol", "--json"));
    assert.equal(assigned.agent_id, carol.id);
    assert.equal(assigned.task.state, "assigned");

    const removed = await town.ok("backlog", "remove", three.id);
    assert.match(removed, new RegExp(`Removed task ${three.id} from backlog and deleted it`));
    assert.match(removed, /Description: Third/);
    assert.equal(await store.tasks.get(three.id), undefined);
    assert.match(
      oneErrorLine(await town.tt("backlog", "remove", three.id), { code: 1 }),
      /task not found/,
    );
    // A task that is not in the backlog is not deleted.
    assert.match(
      oneErrorLine(await town.tt("backlog", "remove", one.id), { code: 1 }),
      /not in the backlog/,
    );
    assert.ok(await store.tasks.get(one.id));

    assert.match(
      oneErrorLine(await town.tt("backlog", "assign-all", "ghost"), { code: 1 }),
      /ghost/,
    );
    assert.deepEqual(await store.tasks.backlogIds(), [two.id]);
    const all = await town.ok("backlog", "assign-all", "carol");
    assert.match(all, /Assigned 1 task\(s\) from backlog to '.*carol/);
    assert.equal((await store.tasks.get(two.id))?.assignedTo, carol.id);
    assert.deepEqual(
      (await inbox(store, carol.id)).map((m) => m.task_id),
      [one.id, two.id],
    );
    assert.match(await town.ok("backlog", "assign-all", "carol"), /Backlog is empty/);
  });
});

Deno.test("assign-all drops backlog entries whose task is gone or finished", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    const store = openStore(client, "t");
    const agent = await addAgent(store, "dave");
    const live = await addToBacklog(store, "live");
    const done = completeTask(newTask("done"), "ok");
    await store.tasks.create(done, { backlog: true });
    const ghost = "11111111-2222-4333-8444-555555555555";
    await client.rpush(store.keys.backlog, ghost);
    const r = await assignAllFromBacklog(store, "dave");
    assert.deepEqual(r.assigned.map((t) => t.id), [live.id]);
    assert.deepEqual(r.dropped.sort(), [done.id, ghost].sort());
    assert.equal(await store.tasks.backlogLength(), 0);
    assert.equal((await store.tasks.get(done.id))?.state, "completed");
    assert.equal((await inbox(store, agent.id)).length, 1);
    assert.deepEqual(await listBacklog(store), []);
  } finally {
    await client.close();
  }
});

Deno.test("50 concurrent claimers on 20 tasks: each task is claimed exactly once", async () => {
  await using redis = await startRedis();
  const setup = await RedisClient.connect(redis.url);
  const clients: RedisClient[] = [];
  try {
    const store = openStore(setup, "race");
    const agents: Agent[] = [];
    for (let i = 0; i < 50; i++) agents.push(await addAgent(store, `agent-${i}`));
    const tasks: Task[] = [];
    for (let i = 0; i < 20; i++) tasks.push(await addToBacklog(store, `task ${i}`));
    for (let i = 0; i < 50; i++) clients.push(await RedisClient.connect(redis.url));

    const wins = new Map<string, string[]>(); // task id -> winning agent ids
    let losses = 0;
    await Promise.all(agents.map(async (agent, i) => {
      const mine = openStore(clients[i], "race");
      // Every claimer tries every task, each in its own order.
      const order = [...tasks].sort(() => Math.random() - 0.5);
      for (const task of order) {
        try {
          const r = await claimFromBacklog(mine, task.id, agent.id);
          wins.set(task.id, [...(wins.get(task.id) ?? []), r.agentId]);
        } catch (err) {
          assert.ok(err instanceof TtError, String(err));
          assert.match(err.message, /already claimed/);
          losses++;
        }
      }
    }));

    assert.equal(wins.size, 20);
    for (const [, winners] of wins) assert.equal(winners.length, 1);
    assert.equal(losses, 50 * 20 - 20);
    assert.equal(await store.tasks.backlogLength(), 0);
    let messages = 0;
    for (const task of tasks) {
      const stored = await store.tasks.get(task.id);
      assert.equal(stored?.state, "assigned");
      assert.equal(stored?.assignedTo, wins.get(task.id)![0]);
    }
    for (const agent of agents) {
      const got = await inbox(store, agent.id);
      for (const m of got) assert.equal(wins.get(m.task_id)?.[0], agent.id);
      messages += got.length;
    }
    assert.equal(messages, 20, "one task_assign per win, none for losers");
  } finally {
    for (const c of clients) await c.close();
    await setup.close();
  }
});

Deno.test("tt backlog claim from several processes at once: one wins", async () => {
  await withTownStore("bl", async (town, store) => {
    const names = ["p1", "p2", "p3", "p4", "p5"];
    for (const n of names) await addAgent(store, n);
    const task = await addToBacklog(store, "Contended");
    const results = await Promise.all(names.map((n) => town.tt("backlog", "claim", task.id, n)));
    assert.equal(results.filter((r) => r.code === 0).length, 1);
    for (const r of results.filter((r) => r.code !== 0)) {
      assert.match(oneErrorLine(r, { code: 1 }), /already claimed/);
    }
  });
});
