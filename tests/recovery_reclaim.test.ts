/**
 * reclaimInboxes / reclaimOrphanTasks (`tt reclaim`) against a real redis-server: listing
 * changes nothing, moves re-address or requeue exactly once even with concurrent reclaimers,
 * and work that is finished, reassigned or held by a live agent is left alone.
 */
import assert from "node:assert/strict";
import { reclaimInboxes } from "../src/service/reclaim_inboxes.ts";
import { findOrphanTasks, reclaimOrphanTasks } from "../src/service/reclaim_orphans.ts";
import { type Agent, type AgentState, newAgent } from "../src/model/agent.ts";
import { newId, SUPERVISOR_ID } from "../src/model/ids.ts";
import { decodeMessage, encodeMessage, type Message, newMessage } from "../src/model/message.ts";
import { assignTask, newTask, startTask, type Task } from "../src/model/task.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { openStore, type Store } from "../src/store/store.ts";
import { startRedis } from "./helpers/redis.ts";

async function withStore(fn: (store: Store, url: string) => Promise<void>) {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    await fn(openStore(client, "rcl"), redis.url);
  } finally {
    await client.close();
  }
}

async function addAgent(store: Store, name: string, state: AgentState): Promise<Agent> {
  // A nickname picked from the id could be another agent's name, which create refuses.
  const agent: Agent = { ...newAgent(name, "claude", { nickname: name }), state };
  await store.agents.create(agent, 0);
  return agent;
}

async function addTask(store: Store, to: string, running = false): Promise<Task> {
  const assigned = assignTask(newTask(`task for ${to.slice(0, 4)}`), to);
  const task = running ? startTask(assigned) : assigned;
  await store.tasks.create(task);
  return task;
}

const msg = (to: string, body: Message["body"]) => newMessage(SUPERVISOR_ID, to, body);

async function lists(store: Store, id: string): Promise<string[][]> {
  const p = store.redis.pipeline()
    .add("LRANGE", store.mailbox.inflightUrgent(id), 0, -1)
    .add("LRANGE", store.keys.urgent(id), 0, -1)
    .add("LRANGE", store.keys.inflight(id), 0, -1)
    .add("LRANGE", store.keys.inbox(id), 0, -1);
  return (await p.execOrThrow()) as string[][];
}

function decoded(raws: string[]): Message[] {
  return raws.map((raw) => {
    const r = decodeMessage(raw);
    if (!r.ok) throw new Error(r.reason);
    return r.message;
  });
}

/** A dead agent holding a bit of everything; returns what it holds. */
async function deadWithMail(store: Store, name = "dead") {
  const dead = await addAgent(store, name, "error");
  const t1 = await addTask(store, dead.id, true);
  const t2 = await addTask(store, dead.id);
  const m = {
    assign1: msg(dead.id, { type: "task_assign", taskId: t1.id }),
    assign2: msg(dead.id, { type: "task_assign", taskId: t2.id }),
    text: msg(dead.id, { type: "task", description: "write the docs" }),
    query: msg(dead.id, { type: "query", question: "ready?" }),
  };
  await store.redis.rpush(store.keys.inflight(dead.id), encodeMessage(m.assign1));
  await store.mailbox.send(m.query, { urgent: true });
  await store.mailbox.send(m.assign2);
  await store.mailbox.send(m.text);
  return { dead, t1, t2, m };
}

Deno.test("reclaim: listing shows everything a dead agent holds and consumes nothing", async () => {
  await withStore(async (store) => {
    const { dead, m } = await deadWithMail(store);
    await addAgent(store, "alive", "idle");
    const before = await lists(store, dead.id);
    const r = await reclaimInboxes(store);
    assert.equal(r.listOnly, true);
    assert.deepEqual(r.agents.map((a) => a.agent.name), ["dead"]);
    assert.deepEqual(
      r.agents[0].messages.map((i) => [i.source, i.message?.id, i.outcome]),
      [
        ["urgent", m.query.id, "listed"],
        ["inflight", m.assign1.id, "listed"],
        ["inbox", m.assign2.id, "listed"],
        ["inbox", m.text.id, "listed"],
      ],
    );
    assert.deepEqual(await lists(store, dead.id), before);
    assert.equal((await reclaimInboxes(store, { from: "alive" })).agents.length, 0);
  });
});

Deno.test("reclaim --to: every message re-addressed once, urgent stays urgent", async () => {
  await withStore(async (store) => {
    const { dead, m, t1, t2 } = await deadWithMail(store);
    const bob = await addAgent(store, "bob", "idle");
    const r = await reclaimInboxes(store, { to: "bob" });
    assert.equal(r.to?.id, bob.id);
    assert.ok(r.agents[0].messages.every((i) => i.outcome === "to_agent"));
    assert.deepEqual(await lists(store, dead.id), [[], [], [], []]);
    const urgent = decoded(await store.redis.lrange(store.keys.urgent(bob.id), 0, -1));
    const inbox = decoded(await store.redis.lrange(store.keys.inbox(bob.id), 0, -1));
    assert.deepEqual(urgent.map((x) => x.id), [m.query.id]);
    assert.deepEqual(inbox.map((x) => x.id), [m.assign1.id, m.assign2.id, m.text.id]);
    assert.ok([...urgent, ...inbox].every((x) => x.to === bob.id));
    assert.deepEqual(inbox.map((x) => x.redelivered === true), [true, false, false]);
    // The tasks follow their messages: bob owns them, and the running one is assigned again.
    for (const t of [t1, t2]) {
      const after = await store.tasks.get(t.id);
      assert.equal(after?.assignedTo, bob.id);
      assert.equal(after?.state, "assigned");
    }
    const events = (await store.events.recent(10)).map((e) => e.event.eventType);
    assert.equal(events.filter((e) => e === "task_reclaimed").length, 3);
    await assert.rejects(() => reclaimInboxes(store, { to: "dead" }), /one of the dead agents/);
  });
});

Deno.test("reclaim --to-backlog: tasks requeued once, free text becomes a task, others stay", async () => {
  await withStore(async (store) => {
    const { dead, t1, t2, m } = await deadWithMail(store);
    // A second copy of an assignment, and one for a task that is already done.
    await store.mailbox.send(msg(dead.id, { type: "task_assign", taskId: t2.id }));
    const done = await addTask(store, dead.id);
    await store.tasks.update({ ...done, state: "completed" }, ["state"]);
    const doneMsg = msg(dead.id, { type: "task_assign", taskId: done.id });
    await store.mailbox.send(doneMsg);
    await store.redis.rpush(store.keys.inbox(dead.id), "{not json");

    const r = await reclaimInboxes(store, { toBacklog: true });
    const outcomes = r.agents[0].messages.map((i) => [i.message?.id ?? "bad", i.outcome]);
    const newTaskId = r.agents[0].messages.find((i) => i.message?.id === m.text.id)!.taskId!;
    assert.deepEqual(outcomes, [
      [m.query.id, "kept"],
      [m.assign1.id, "to_backlog"],
      [m.assign2.id, "to_backlog"],
      [m.text.id, "to_backlog"],
      [outcomes[4][0], "to_backlog"],
      [doneMsg.id, "skipped"],
      ["bad", "dead_letter"],
    ]);
    assert.deepEqual(await store.tasks.backlogIds(), [t1.id, t2.id, newTaskId]);
    for (const id of [t1.id, t2.id]) {
      const t = (await store.tasks.get(id))!;
      assert.equal(t.state, "pending");
      assert.equal(t.assignedTo, undefined);
      assert.equal(t.startedAt, undefined);
    }
    assert.equal((await store.tasks.get(newTaskId))!.description, "write the docs");
    assert.equal((await store.tasks.get(done.id))!.state, "completed");
    const [, urgent, , inbox] = await lists(store, dead.id);
    assert.deepEqual(decoded(urgent).map((x) => x.id), [m.query.id], "the query stays put");
    assert.deepEqual(decoded(inbox).map((x) => x.id), [doneMsg.id], "so does the stale one");
    const [letter] = await store.mailbox.deadLetters();
    assert.equal(letter.raw, "{not json");
    assert.match(letter.reason, /^reclaimed: /);
  });
});

Deno.test("reclaim: concurrent reclaimers move each message exactly once", async () => {
  await withStore(async (store, url) => {
    const dead = await addAgent(store, "dead", "stopped");
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      const m = msg(dead.id, { type: "task", description: `m${i}` });
      sent.push(m.id);
      await store.mailbox.send(m, { urgent: i % 10 === 0 });
    }
    const dests = await Promise.all([0, 1, 2, 3, 4].map((i) => addAgent(store, `d${i}`, "idle")));
    const clients = await Promise.all(dests.map(() => RedisClient.connect(url)));
    try {
      const results = await Promise.all(
        dests.map((d, i) => reclaimInboxes(openStore(clients[i], "rcl"), { to: d.id })),
      );
      const moved = results.flatMap((r) => r.agents[0].messages)
        .filter((i) => i.outcome === "to_agent").map((i) => i.message!.id);
      assert.deepEqual([...moved].sort(), [...sent].sort(), "each moved by exactly one reclaimer");
      const received: string[] = [];
      for (const d of dests) {
        for (const key of [store.keys.inbox(d.id), store.keys.urgent(d.id)]) {
          received.push(...decoded(await store.redis.lrange(key, 0, -1)).map((x) => x.id));
        }
      }
      assert.deepEqual(received.sort(), [...sent].sort());
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

Deno.test("reclaim: an agent restarted after the listing keeps its messages", async () => {
  await withStore(async (store) => {
    const { dead } = await deadWithMail(store);
    const bob = await addAgent(store, "bob", "idle");
    await store.agents.update({ ...dead, state: "idle" }, ["state"]); // restarted...
    const before = await lists(store, dead.id);
    // ...after reclaim listed it as dead: the moves must notice and leave everything.
    const agents = Object.assign(Object.create(store.agents), {
      list: () => Promise.resolve([dead, bob]),
    });
    const r = await reclaimInboxes({ ...store, agents }, { to: "bob" });
    assert.deepEqual(
      r.agents[0].messages.map((i) => [i.outcome, i.detail]),
      Array(4).fill(["taken", "agent is running again"]),
    );
    assert.deepEqual(await lists(store, dead.id), before);
    assert.equal(await store.redis.llen(store.keys.inbox(bob.id)), 0);
  });
});

Deno.test("reclaim --orphan-tasks: list, requeue, reassign, cancel, delete; once each", async () => {
  await withStore(async (store, url) => {
    const dead = await addAgent(store, "dead", "cold");
    const alive = await addAgent(store, "alive", "idle");
    const gone = newId();
    const a = await addTask(store, dead.id, true);
    const b = await addTask(store, gone);
    await addTask(store, alive.id); // not an orphan
    await addTask(store, SUPERVISOR_ID); // the conductor's: not an orphan
    const finished = await addTask(store, gone);
    await store.tasks.update({ ...finished, state: "failed" }, ["state"]);

    const found = await findOrphanTasks(store);
    assert.deepEqual(
      found.map((o) => [o.task.id, o.reason]).sort(),
      [[a.id, "agent_terminal"], [b.id, "agent_missing"]].sort(),
    );
    assert.deepEqual((await findOrphanTasks(store, { from: "dead" })).map((o) => o.task.id), [
      a.id,
    ]);
    assert.equal((await reclaimOrphanTasks(store, "list")).orphans.length, 2);
    assert.equal((await store.tasks.get(a.id))!.state, "running", "listing changes nothing");

    // Two reclaimers at once: each orphan is requeued by exactly one of them.
    const other = await RedisClient.connect(url);
    try {
      const [r1, r2] = await Promise.all([
        reclaimOrphanTasks(store, "to_backlog"),
        reclaimOrphanTasks(openStore(other, "rcl"), "to_backlog"),
      ]);
      const done = [...r1.orphans, ...r2.orphans].filter((o) => o.done).map((o) => o.task.id);
      assert.deepEqual(done.sort(), [a.id, b.id].sort());
    } finally {
      await other.close();
    }
    assert.deepEqual((await store.tasks.backlogIds()).sort(), [a.id, b.id].sort());
    assert.equal((await store.tasks.get(a.id))!.state, "pending");
    assert.equal((await findOrphanTasks(store)).length, 0);

    const c = await addTask(store, gone);
    const d = await addTask(store, dead.id);
    const e = await addTask(store, dead.id);
    const moved = await reclaimOrphanTasks(store, "to_agent", { to: "alive", from: "dead" });
    assert.deepEqual(
      moved.orphans.map((o) => [o.task.id, o.done]).sort(),
      [
        [d.id, true],
        [e.id, true],
      ].sort(),
    );
    assert.equal((await store.tasks.get(d.id))!.assignedTo, alive.id);
    const inbox = decoded(await store.redis.lrange(store.keys.inbox(alive.id), 0, -1));
    assert.deepEqual(
      inbox.map((m) => m.body.type === "task_assign" && m.body.taskId).sort(),
      [d.id, e.id].sort(),
    );
    await assert.rejects(() => reclaimOrphanTasks(store, "to_agent", { to: "dead" }), /cold/);

    const cancelled = await reclaimOrphanTasks(store, "cancel");
    assert.deepEqual(cancelled.orphans.map((o) => o.task.id), [c.id]);
    const ct = (await store.tasks.get(c.id))!;
    assert.equal(ct.state, "cancelled");
    assert.equal(ct.result, "Cancelled: assignee no longer exists");
    assert.ok(ct.completedAt);

    const f = await addTask(store, dead.id);
    await reclaimOrphanTasks(store, "delete");
    assert.equal(await store.tasks.get(f.id), undefined);
    assert.ok(!(await store.redis.smembers(store.keys.tasksIndex)).includes(f.id));
  });
});
