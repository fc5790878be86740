/** The backlog claim script against stale and duplicate backlog entries. */
import assert from "node:assert/strict";
import { RedisClient } from "../src/redis/mod.ts";
import { openStore } from "../src/store/store.ts";
import { assignTask, newTask } from "../src/model/task.ts";
import { newId } from "../src/model/ids.ts";
import { startRedis } from "./helpers/redis.ts";

Deno.test("a duplicate or stale backlog id never hands a held task to a second agent", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    const store = openStore(client, "claim");
    const [alice, bob] = [newId(), newId()];
    const task = newTask("write the docs");
    await store.tasks.create(task, { backlog: true });
    await client.rpush(store.keys.backlog, task.id); // a duplicate entry
    assert.equal(await store.tasks.claim(task.id, alice), "claimed");
    assert.equal(await client.llen(store.keys.backlog), 0, "every copy is removed");
    assert.equal(await store.tasks.claim(task.id, bob), "not-in-backlog");
    assert.equal((await store.tasks.get(task.id))?.assignedTo, alice);

    // A stale entry of an assigned task (e.g. written by older tools) is dropped, not claimed.
    const held = assignTask(newTask("held"), alice);
    await store.tasks.create(held);
    await client.rpush(store.keys.backlog, held.id);
    assert.equal(await store.tasks.claim(held.id, bob), "not-in-backlog");
    assert.equal((await store.tasks.get(held.id))?.assignedTo, alice);
    assert.equal(await client.llen(store.keys.backlog), 0);
  } finally {
    await client.close();
  }
});
