/**
 * The per-agent numbers of `tt status`, read in one request: mailbox lengths, in flight, the
 * lease, the inbox sample behind the category counts (only read from a non-empty inbox, at most
 * 200 entries), recent activity with --deep, and index entries whose record is gone.
 */
import assert from "node:assert/strict";
import { newMessage } from "../src/model/message.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { townStatus } from "../src/service/town_status.ts";
import { envFrom } from "../src/town/env.ts";
import { openTown } from "../src/town/town.ts";
import { addAgent, withTownStore } from "./helpers/kit.ts";

Deno.test("status reads every agent's numbers, sample and activity in one request", async () => {
  await withTownStore("overview", async (town, store) => {
    const busy = await addAgent(store, "busy");
    await addAgent(store, "quiet", "stopped");
    const full = await addAgent(store, "full");
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
