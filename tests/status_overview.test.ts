/**
 * The per-agent numbers of `tt status`, read in one request: mailbox lengths, in flight, the
 * lease, the inbox sample behind the category counts (only read from a non-empty inbox, at most
 * 200 entries), recent activity with --deep, index entries whose record is gone, and loops
 * judged by their processes.
 */
import assert from "node:assert/strict";
import type { ProcessLooks } from "../src/agent/liveness.ts";
import { newAgent } from "../src/model/agent.ts";
import { newMessage } from "../src/model/message.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { isStale, townStatus } from "../src/service/town_status.ts";
import { envFrom } from "../src/town/env.ts";
import { openTown } from "../src/town/town.ts";
import { addAgent, withTownStore } from "./helpers/kit.ts";

Deno.test("status reads every agent's numbers, sample and activity in one request", async () => {
  await withTownStore("overview", async (town, store) => {
    // Distinct creation times: agents made in one millisecond would list in the index's order.
    const at = (i: number) => new Date(Date.parse("2026-01-01T00:00:00Z") + i);
    const busy = await addAgent(store, "busy", { createdAt: at(0) });
    await addAgent(store, "quiet", { state: "stopped", createdAt: at(1) });
    const full = await addAgent(store, "full", { createdAt: at(2) });
    const k = store.keys;
    for (let i = 0; i < 2; i++) {
      await store.mailbox.send(
        newMessage(SUPERVISOR_ID, busy.id, { type: "task", description: `t${i}` }),
      );
    }
    await store.mailbox.send(
      newMessage(SUPERVISOR_ID, busy.id, { type: "task", description: "now" }),
      { urgent: true },
    );
    await store.redis.rpush(k.inbox(busy.id), "not json");
    await store.redis.rpush(k.inflight(busy.id), "a", "b");
    await store.redis.rpush(k.inflightUrgent(busy.id), "c");
    await store.leases.renew(busy.id, "1@here", 30, false);
    await store.activity.add(busy.id, "first");
    await store.activity.add(busy.id, "second");
    for (let i = 0; i < 250; i++) await store.redis.rpush(k.inbox(full.id), "{}");
    // An index entry whose record is gone (deleted behind tt's back).
    const gone = "0b7a4f5e-6d3c-4b2a-9e1f-000000000000";
    await store.redis.sadd(k.agentsIndex, gone);

    const opened = await openTown(town.dir, { env: envFrom(town.env) });
    try {
      const deep = await townStatus(opened, store, { deep: true });
      assert.deepEqual(deep.agents.map((a) => a.agent.name), ["busy", "quiet", "full"]);
      const [b, q, f] = deep.agents;
      assert.equal(b.inbox, 3);
      assert.equal(b.urgent, 1);
      assert.equal(b.inflight, 3);
      assert.equal(b.sampled, 3);
      assert.equal(b.categories.task, 2);
      assert.deepEqual(b.activity?.length, 2);
      assert.match(b.activity![0], /second/);
      assert.equal(q.inbox, 0);
      assert.equal(q.urgent + q.inflight + q.sampled, 0);
      assert.deepEqual(q.activity, []);
      assert.equal(f.inbox, 250);
      assert.equal(f.sampled, 200);
      // The gone record left the index, as a listing drops it.
      assert.ok(!(await store.redis.smembers(k.agentsIndex)).includes(gone));

      const plain = await townStatus(opened, store);
      assert.equal(plain.agents.length, 3);
      assert.ok(plain.agents.every((a) => a.activity === undefined));
      assert.equal(plain.agents[0].inflight, 3);
      assert.equal(plain.backlog, 0);
      assert.equal(plain.deadLetters, 0);
    } finally {
      await opened.close();
    }
  });
});

Deno.test("stale is judged by each loop's process, each process read once", async () => {
  const agents = [0, 1, 2, 3].map((i) => ({
    ...newAgent(`l${i}`, "claude"),
    state: "idle" as const,
  }));
  const own = new Deno.Command("sh", { args: ["-c", "sleep 30", agents[0].id] }).spawn();
  const host = new Deno.Command("sh", { args: ["-c", "sleep 30", "agent-host"] }).spawn();
  const gone = new Deno.Command("true").spawn();
  await gone.status;
  try {
    const pids = [own.pid, host.pid, host.pid, gone.pid];
    const withPids = agents.map((a, i) => ({ ...a, pid: pids[i] }));
    // The first agent's own loop; two agents in one loop host; a loop whose process is gone.
    const expected = [false, false, false, true];
    const seen: ProcessLooks = new Map();
    assert.deepEqual(withPids.map((a) => isStale(a, false, 30, Date.now(), seen)), expected);
    assert.deepEqual(withPids.map((a) => isStale(a, false, 30)), expected);
    assert.equal(seen.size, 3);
    // Another agent's process is not this agent's loop.
    assert.equal(isStale({ ...agents[1], pid: own.pid }, true, 30, Date.now(), seen), true);
  } finally {
    for (const child of [own, host]) {
      child.kill("SIGKILL");
      await child.status;
    }
  }
});
