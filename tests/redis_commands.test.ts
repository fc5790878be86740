/** The typed command helpers, and binary safety (10 MiB values, invalid UTF-8). */
import assert from "node:assert/strict";
import { RedisClient, RedisReplyError } from "../src/redis/mod.ts";
import { startRedis } from "./helpers/redis.ts";

async function withClient(fn: (client: RedisClient) => Promise<void>): Promise<void> {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    await fn(client);
  } finally {
    await client.close();
  }
}

Deno.test("strings and keys", async () => {
  await withClient(async (c) => {
    assert.equal(await c.ping(), "PONG");
    assert.equal(await c.set("s", "v"), true);
    assert.equal(await c.set("s", "w", { nx: true }), false);
    assert.equal(await c.get("s"), "v");
    assert.equal(await c.set("t", 42, { ex: 100 }), true);
    assert.ok((await c.command(["TTL", "t"]) as number) > 0);
    assert.equal(await c.set("u", "x", { px: 100_000 }), true);
    assert.equal(await c.exists("s", "t", "nope"), 2);
    assert.equal(await c.expire("s", 100), true);
    assert.equal(await c.expire("nope", 100), false);
    assert.equal(await c.incr("t"), 43);
    assert.equal(await c.del("s", "t", "nope"), 2);
    assert.equal(await c.del(), 0);
    assert.equal(await c.get("s"), null);
  });
});

Deno.test("hashes and sets", async () => {
  await withClient(async (c) => {
    assert.equal(await c.hset("h", { a: "1", b: 2, "ключ": "значение" }), 3);
    assert.equal(await c.hget("h", "ключ"), "значение");
    assert.equal(await c.hget("h", "zz"), null);
    assert.deepEqual(await c.hgetall("h"), { a: "1", b: "2", "ключ": "значение" });
    assert.deepEqual(await c.hgetall("missing"), {});
    assert.equal(await c.hincrby("h", "b", 5), 7);
    assert.equal(await c.hdel("h", "a", "zz"), 1);
    assert.equal(await c.hdel("h"), 0);
    assert.equal(await c.sadd("set", "x", "y", "x"), 2);
    assert.equal(await c.scard("set"), 2);
    assert.deepEqual((await c.smembers("set")).sort(), ["x", "y"]);
    assert.equal(await c.srem("set", "x"), 1);
    assert.deepEqual(await c.smembers("set"), ["y"]);
  });
});

Deno.test("lists", async () => {
  await withClient(async (c) => {
    assert.equal(await c.rpush("l", "b", "c"), 2);
    assert.equal(await c.lpush("l", "a"), 3);
    assert.deepEqual(await c.lrange("l", 0, -1), ["a", "b", "c"]);
    assert.equal(await c.llen("l"), 3);
    assert.equal(await c.lmove("l", "m", "LEFT", "RIGHT"), "a");
    assert.equal(await c.lmove("none", "m", "LEFT", "RIGHT"), null);
    assert.equal(await c.rpush("l", "b"), 3);
    assert.equal(await c.lrem("l", 0, "b"), 2);
    await c.rpush("l", "d", "e", "f");
    await c.ltrim("l", 1, -1);
    assert.deepEqual(await c.lrange("l", 0, -1), ["d", "e", "f"]);
    assert.equal(await c.lpop("l"), "d");
    assert.equal(await c.rpop("l"), "f");
    assert.equal(await c.lpop("none"), null);
    assert.deepEqual(await c.lrange("none", 0, -1), []);
  });
});

Deno.test("streams", async () => {
  await withClient(async (c) => {
    const id1 = await c.xadd("x", { type: "a", n: 1 });
    const id2 = await c.xadd("x", { type: "b" }, { maxlenApprox: 1000 });
    const id3 = await c.xadd("x", { type: "c" }, { id: "99999999999999-0" });
    assert.match(id1, /^\d+-\d+$/);
    assert.equal(id3, "99999999999999-0");
    assert.deepEqual(await c.xrange("x"), [
      { id: id1, fields: { type: "a", n: "1" } },
      { id: id2, fields: { type: "b" } },
      { id: id3, fields: { type: "c" } },
    ]);
    assert.deepEqual((await c.xrange("x", "-", "+", 1)).map((e) => e.id), [id1]);
    assert.deepEqual((await c.xrevrange("x", "+", "-", 2)).map((e) => e.id), [id3, id2]);
    assert.deepEqual((await c.xread("x", id1)).map((e) => e.id), [id2, id3]);
    assert.deepEqual((await c.xread("x", id1, { count: 1 })).map((e) => e.id), [id2]);
    assert.deepEqual(await c.xread("x", id3), []);
    assert.deepEqual(await c.xread("nostream", "0"), []);
    assert.deepEqual(await c.xrange("nostream"), []);
  });
});

Deno.test("scanAll, info, publish", async () => {
  await withClient(async (c) => {
    const p = c.pipeline();
    for (let i = 0; i < 1200; i++) p.add("SET", `tt:t:${i}`, "1");
    p.add("SET", "other", "1");
    await p.execOrThrow();
    const keys = await c.scanAll("tt:t:*", 100);
    assert.equal(new Set(keys).size, 1200);
    assert.ok(keys.every((k) => k.startsWith("tt:t:")));
    const info = await c.info("server");
    assert.match(info.redis_version, /^\d+\.\d+\.\d+$/);
    assert.ok(!("# Server" in info));
    assert.ok("used_memory" in (await c.info()));
    assert.equal(await c.publish("nobody-listens", "hi"), 0);
  });
});

Deno.test("error replies reject with RedisReplyError carrying Redis's text and code", async () => {
  await withClient(async (c) => {
    await c.set("s", "text");
    await assert.rejects(c.command(["INCR", "s"]), (err: unknown) => {
      assert.ok(err instanceof RedisReplyError);
      assert.equal(err.code, "ERR");
      assert.equal(err.text, "ERR value is not an integer or out of range");
      assert.equal(err.message, err.text);
      return true;
    });
    await assert.rejects(c.command(["LPUSH", "s", "x"]), (err: unknown) => {
      assert.ok(err instanceof RedisReplyError);
      assert.equal(err.code, "WRONGTYPE");
      return true;
    });
    await assert.rejects(
      c.command(["NOPE"]),
      (err: unknown) => err instanceof RedisReplyError && /unknown command/.test(err.message),
    );
    // An error reply does not disturb the commands around it.
    const [a, b, cc] = await Promise.allSettled([
      c.get("s"),
      c.command(["INCR", "s"]),
      c.get("s"),
    ]);
    assert.deepEqual([a, cc], [
      { status: "fulfilled", value: "text" },
      { status: "fulfilled", value: "text" },
    ]);
    assert.equal(b.status, "rejected");
  });
});

Deno.test("a 10 MiB binary value round-trips byte-exact", async () => {
  await withClient(async (c) => {
    const size = 10 * 1024 * 1024;
    const value = new Uint8Array(size);
    // Every byte value, CRLF pairs and RESP markers appear many times.
    let x = 12345;
    for (let i = 0; i < size; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      value[i] = x >>> 24;
    }
    value.set([13, 10, 36, 45, 13, 10], 1000);
    assert.equal(await c.commandRaw(["SET", "big", value]), "OK");
    assert.equal(await c.command(["STRLEN", "big"]), size);
    const back = await c.commandRaw(["GET", "big"]);
    assert.ok(back instanceof Uint8Array);
    assert.equal(back.length, size);
    assert.ok(back.every((b, i) => b === value[i]), "bytes differ");
    // Again inside a pipeline, surrounded by small replies.
    const [before, got, after] = await c.pipeline().add("PING").add("GET", "big").add("PING")
      .execRaw();
    assert.deepEqual([before, after], ["PONG", "PONG"]);
    assert.ok(got instanceof Uint8Array && got.length === size && got[1001] === 10);
    // And a large text value through the decoding path.
    const text = "ü".repeat(3 * 1024 * 1024);
    await c.set("bigtext", text);
    assert.equal(await c.get("bigtext"), text);
  });
});

Deno.test("values and keys that are not valid UTF-8", async () => {
  await withClient(async (c) => {
    const invalid = new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0d, 0x0a, 0x80]);
    const key = new Uint8Array([0x6b, 0xff, 0x0d, 0x0a]);
    assert.equal(await c.commandRaw(["SET", key, invalid]), "OK");
    assert.deepEqual(await c.commandRaw(["GET", key]), invalid);
    assert.equal(await c.command(["STRLEN", key]), invalid.length);
    // Decoded, invalid bytes become U+FFFD; raw mode is the way to keep them.
    assert.equal(await c.command(["GET", key]), "\ufffd\ufffd\u0000\ufffd(\r\n\ufffd");
    await c.commandRaw(["RPUSH", "l", invalid, "ok"]);
    assert.deepEqual(await c.commandRaw(["LRANGE", "l", 0, -1]), [
      invalid,
      new TextEncoder().encode("ok"),
    ]);
    const keys = await c.commandRaw(["KEYS", "k*"]);
    assert.deepEqual(keys, [key]);
  });
});
