/** The mailbox's in-flight handling against a real redis-server. */
import assert from "node:assert/strict";
import { RedisClient } from "../src/redis/mod.ts";
import { openStore } from "../src/store/store.ts";
import { encodeMessage, newMessage } from "../src/model/message.ts";
import { newId, SUPERVISOR_ID } from "../src/model/ids.ts";
import { startRedis } from "./helpers/redis.ts";

Deno.test("redeliverInFlight puts messages back in order, marked exactly as the encoder marks", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    const store = openStore(client, "mb");
    const agent = newId();
    const msgs = [1, 2, 3].map((i) =>
      newMessage(SUPERVISOR_ID, agent, { type: "task", description: `job ${i} "quoted" }` })
    );
    const urgent = newMessage(SUPERVISOR_ID, agent, { type: "query", question: "now?" });
    for (const m of msgs) await store.mailbox.send(m);
    await store.mailbox.send(urgent, { urgent: true });
    await client.rpush(store.keys.inbox(agent), "not json");
    const { taken, rejected } = await store.mailbox.take(agent);
    assert.equal(taken.length, 4);
    assert.equal(rejected.length, 1);
    assert.equal(await client.llen(store.keys.inbox(agent)), 0);

    assert.equal(await store.mailbox.redeliverInFlight(agent), 5);
    const inbox = await client.lrange(store.keys.inbox(agent), 0, -1);
    assert.deepEqual(inbox, [
      ...msgs.map((m) => encodeMessage({ ...m, redelivered: true })),
      "not json",
    ]);
    assert.deepEqual(await client.lrange(store.keys.urgent(agent), 0, -1), [
      encodeMessage({ ...urgent, redelivered: true }),
    ]);
    assert.equal(await client.exists(store.keys.inflight(agent)), 0);

    // Taken again and put back unmarked: nothing changes, and marks are not doubled.
    await store.mailbox.take(agent);
    assert.equal(await store.mailbox.redeliverInFlight(agent, { mark: false }), 5);
    assert.deepEqual(await client.lrange(store.keys.inbox(agent), 0, -1), inbox);
    await store.mailbox.take(agent);
    await store.mailbox.redeliverInFlight(agent);
    assert.deepEqual(await client.lrange(store.keys.inbox(agent), 0, -1), inbox);
  } finally {
    await client.close();
  }
});
