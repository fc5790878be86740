/** Review findings for pub/sub: subscribing from inside a message handler. */
import assert from "node:assert/strict";
import { RedisClient } from "../src/redis/client.ts";
import { startRedis, waitFor } from "./helpers/redis.ts";

Deno.test("a handler added while a message is delivered does not get that message", async () => {
  const redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  const sub = await client.subscriber();
  try {
    const got: string[] = [];
    let added: Promise<void> | undefined;
    await sub.subscribe("ch", (_channel, message) => {
      got.push(`first:${message}`);
      if (message === "1") {
        added = sub.subscribe("ch", (_c, m) => got.push(`second:${m}`));
      }
    });
    await client.publish("ch", "1");
    await waitFor("the first message", () => added !== undefined);
    await added;
    await client.publish("ch", "2");
    await waitFor("the second message", () => got.length >= 3);
    assert.deepEqual(got, ["first:1", "first:2", "second:2"]);
  } finally {
    await sub.close();
    await client.close();
    await redis.stop();
  }
});
