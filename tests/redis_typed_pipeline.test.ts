/** Typed pipelines: each command's reply comes back with its own type, checked on arrival. */
import assert from "node:assert/strict";
import { RedisClient } from "../src/redis/client.ts";
import { RedisReplyError } from "../src/redis/errors.ts";
import { TypedPipeline } from "../src/redis/typed_pipeline.ts";
import { startRedis } from "./helpers/redis.ts";

Deno.test("typed pipeline: every reply has its command's type, in one round trip", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    await client.command(["RPUSH", "l", "a", "b", "c"]);
    await client.command(["HSET", "h", "f", "v", "g", "w"]);
    await client.command(["SET", "s", "text"]);
    const before = client.requestCount;
    const p = new TypedPipeline(client.pipeline());
    const len = p.llen("l");
    const range = p.lrange("l", 0, 1);
    const hash = p.hgetall("h");
    const fields = p.hmget("h", "f", "missing");
    const field = p.hget("h", "g");
    const present = p.exists("s");
    const absent = p.exists("nothing");
    const value = p.get("s");
    const none = p.get("nothing");
    const kind = p.type("h");
    assert.throws(() => len.value, /not run yet/);
    await p.exec();
    assert.equal(client.requestCount - before, 1);
    assert.equal(len.value, 3);
    assert.deepEqual(range.value, ["a", "b"]);
    assert.deepEqual(hash.value, { f: "v", g: "w" });
    assert.deepEqual(fields.value, ["v", null]);
    assert.equal(field.value, "w");
    assert.equal(present.value, true);
    assert.equal(absent.value, false);
    assert.equal(value.value, "text");
    assert.equal(none.value, null);
    assert.equal(kind.value, "hash");
  } finally {
    await client.close();
  }
});

Deno.test("typed pipeline: an error reply is thrown, not read as a value", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    await client.command(["SET", "s", "text"]);
    const p = new TypedPipeline(client.pipeline());
    const len = p.llen("s"); // WRONGTYPE
    await assert.rejects(
      p.exec(),
      (err) => err instanceof RedisReplyError && err.code === "WRONGTYPE",
    );
    assert.throws(() => len.value, /not run yet/);
  } finally {
    await client.close();
  }
});
