/** Pub/sub: SUBSCRIBE/PSUBSCRIBE/UNSUBSCRIBE/PUNSUBSCRIBE on a dedicated connection. */
import assert from "node:assert/strict";
import {
  RedisClient,
  RedisClosedError,
  RedisConnectionError,
  Subscriber,
} from "../src/redis/mod.ts";
import { startRedis, type TestRedis, waitFor } from "./helpers/redis.ts";

async function withRedis(
  fn: (client: RedisClient, redis: TestRedis) => Promise<void>,
  opts: { password?: string } = {},
): Promise<void> {
  await using redis = await startRedis(opts);
  const client = await RedisClient.connect(redis.url);
  try {
    await fn(client, redis);
  } finally {
    await client.close();
  }
}

Deno.test("subscribe resolves once confirmed; messages reach the handler in order", async () => {
  await withRedis(async (client) => {
    const sub = await client.subscriber();
    try {
      const got: string[] = [];
      await sub.subscribe(
        ["news", "alerts"],
        (channel, message) => got.push(`${channel}|${message}`),
      );
      assert.deepEqual(sub.channels, ["news", "alerts"]);
      // Confirmed means Redis already counts us: no waiting needed before publishing.
      assert.equal(await client.publish("news", "hello"), 1);
      assert.equal(await client.publish("alerts", "über\r\nline"), 1);
      assert.equal(await client.publish("other", "ignored"), 0);
      for (let i = 0; i < 500; i++) client.publish("news", `n${i}`);
      await waitFor("all messages", () => got.length === 502);
      assert.deepEqual(got.slice(0, 2), ["news|hello", "alerts|über\r\nline"]);
      assert.deepEqual(got.slice(2), Array.from({ length: 500 }, (_, i) => `news|n${i}`));
    } finally {
      await sub.close();
    }
  });
});

Deno.test("psubscribe: handler gets pattern, channel and message", async () => {
  await withRedis(async (client) => {
    const sub = await Subscriber.connect(client.options);
    try {
      const got: string[][] = [];
      await sub.psubscribe(
        "tt:*:events",
        (pattern, channel, message) => got.push([pattern, channel, message]),
      );
      assert.deepEqual(sub.patterns, ["tt:*:events"]);
      assert.equal(await client.publish("tt:town1:events", "e1"), 1);
      assert.equal(await client.publish("tt:town1:other", "x"), 0);
      await waitFor("the pattern message", () => got.length === 1);
      assert.deepEqual(got, [["tt:*:events", "tt:town1:events", "e1"]]);
    } finally {
      await sub.close();
    }
  });
});

Deno.test("several handlers, channel and pattern on one connection", async () => {
  await withRedis(async (client) => {
    const sub = await client.subscriber();
    try {
      const a: string[] = [];
      const b: string[] = [];
      const p: string[] = [];
      await Promise.all([
        sub.subscribe("c", (_ch, m) => a.push(m)),
        sub.subscribe("c", (_ch, m) => b.push(m)),
        sub.psubscribe("c*", (_pat, ch, m) => p.push(`${ch}:${m}`)),
      ]);
      // One subscriber connection counts once per matching subscription: channel + pattern.
      assert.equal(await client.publish("c", "1"), 2);
      await waitFor("all three handlers", () => a.length + b.length + p.length === 3);
      assert.deepEqual([a, b, p], [["1"], ["1"], ["c:1"]]);
    } finally {
      await sub.close();
    }
  });
});

Deno.test("unsubscribe and punsubscribe, by name and all at once", async () => {
  await withRedis(async (client) => {
    const sub = await client.subscriber();
    try {
      const got: string[] = [];
      await sub.subscribe(["a", "b", "c"], (ch, m) => got.push(`${ch}:${m}`));
      await sub.psubscribe(["p1*", "p2*"], (_p, ch, m) => got.push(`${ch}:${m}`));
      await sub.unsubscribe("a");
      assert.deepEqual(sub.channels, ["b", "c"]);
      assert.equal(await client.publish("a", "x"), 0);
      assert.equal(await client.publish("b", "x"), 1);
      await sub.punsubscribe("p1*");
      assert.equal(await client.publish("p1x", "x"), 0);
      assert.equal(await client.publish("p2x", "x"), 1);
      await sub.unsubscribe();
      await sub.punsubscribe();
      assert.deepEqual([sub.channels, sub.patterns], [[], []]);
      for (const ch of ["a", "b", "c", "p1x", "p2x"]) {
        assert.equal(await client.publish(ch, "y"), 0);
      }
      await waitFor("the two delivered messages", () => got.length === 2);
      assert.deepEqual(got, ["b:x", "p2x:x"]);
      // Nothing subscribed: unsubscribing again is a no-op, and subscribing again works.
      await sub.unsubscribe();
      await sub.subscribe("b", (ch, m) => got.push(`${ch}:${m}`));
      assert.equal(await client.publish("b", "z"), 1);
      await waitFor("the message after resubscribing", () => got.length === 3);
    } finally {
      await sub.close();
    }
  });
});

Deno.test("close() ends cleanly: done resolves, waiting and later calls reject", async () => {
  await withRedis(async (client) => {
    const sub = await client.subscriber();
    await sub.subscribe("x", () => {});
    const pending = sub.subscribe("y", () => {}); // not confirmed before close
    const outcome = pending.then(() => "resolved", (err) => err);
    await sub.close();
    assert.ok((await outcome) instanceof RedisClosedError);
    assert.ok((await sub.done) instanceof RedisClosedError);
    assert.equal(sub.closed, true);
    await assert.rejects(sub.subscribe("z", () => {}), RedisClosedError);
    // The server notices the closed socket on its own schedule; then nobody receives.
    await waitFor(
      "the server to forget the subscriber",
      async () => (await client.publish("x", "gone")) === 0,
    );
  });
});

Deno.test("a throwing handler goes to onHandlerError; other handlers still run", async () => {
  await withRedis(async (client) => {
    const errors: unknown[] = [];
    const sub = await Subscriber.connect(client.options, {
      onHandlerError: (err) => errors.push(err),
    });
    try {
      const got: string[] = [];
      await sub.subscribe("c", () => {
        throw new Error("handler bug");
      });
      await sub.subscribe("c", (_ch, m) => got.push(m));
      await client.publish("c", "m1");
      await client.publish("c", "m2");
      await waitFor("both messages", () => got.length === 2);
      assert.deepEqual(got, ["m1", "m2"]);
      assert.equal(errors.length, 2);
      assert.match(String(errors[0]), /handler bug/);
    } finally {
      await sub.close();
    }
  });
});

Deno.test("a killed server ends the subscriber: done resolves with the reason", async () => {
  await withRedis(async (client, redis) => {
    const sub = await client.subscriber();
    const got: string[] = [];
    await sub.subscribe("c", (_ch, m) => got.push(m));
    assert.equal(await client.publish("c", "before"), 1);
    await waitFor("the first message", () => got.length === 1);
    await redis.kill("SIGKILL");
    const reason = await sub.done;
    assert.ok(reason instanceof RedisConnectionError);
    assert.equal(sub.closed, true);
    await assert.rejects(sub.subscribe("d", () => {}), RedisConnectionError);
    await sub.close();
  }, { password: "pw" });
});
