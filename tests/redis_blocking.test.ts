/**
 * Blocking commands (BLPOP, BLMOVE, XREAD BLOCK) on their own connection: timeouts, wake-ups,
 * and cancellation by AbortSignal or close() without leaking sockets or promises.
 */
import assert from "node:assert/strict";
import { RedisClient, RedisClosedError } from "../src/redis/mod.ts";
import { startRedis, type TestRedis, waitFor } from "./helpers/redis.ts";

async function setup(): Promise<{ redis: TestRedis; main: RedisClient; blocker: RedisClient }> {
  const redis = await startRedis();
  const main = await RedisClient.connect(redis.url);
  const blocker = await main.duplicate();
  return { redis, main, blocker };
}

async function teardown(t: { redis: TestRedis; main: RedisClient; blocker: RedisClient }) {
  await t.blocker.close();
  await t.main.close();
  await t.redis.stop();
}

async function blockedClients(client: RedisClient): Promise<number> {
  return Number((await client.info("clients")).blocked_clients);
}

Deno.test("blocking commands time out with null / []", async () => {
  const t = await setup();
  try {
    assert.equal(await t.blocker.blpop(["nothing"], 0.05), null);
    assert.equal(await t.blocker.blmove("nothing", "dest", "LEFT", "RIGHT", 0.05), null);
    assert.deepEqual(await t.blocker.xread("nostream", "$", { blockMs: 50 }), []);
    // The connection is usable afterwards.
    assert.equal(await t.blocker.ping(), "PONG");
  } finally {
    await teardown(t);
  }
});

Deno.test("a blocked connection wakes up when data arrives; the main client is not blocked", async () => {
  const t = await setup();
  try {
    const popped = t.blocker.blpop(["q1", "q2"], 0);
    await waitFor("BLPOP to block", async () => (await blockedClients(t.main)) === 1);
    assert.equal(await t.main.ping(), "PONG");
    await t.main.rpush("q2", "job-1");
    assert.deepEqual(await popped, ["q2", "job-1"]);

    const moved = t.blocker.blmove("src", "dst", "LEFT", "RIGHT", 0);
    await waitFor("BLMOVE to block", async () => (await blockedClients(t.main)) === 1);
    await t.main.rpush("src", "item");
    assert.equal(await moved, "item");
    assert.deepEqual(await t.main.lrange("dst", 0, -1), ["item"]);

    const read = t.blocker.xread("events", "$", { blockMs: 0 });
    await waitFor("XREAD to block", async () => (await blockedClients(t.main)) === 1);
    const id = await t.main.xadd("events", { kind: "hello" });
    assert.deepEqual(await read, [{ id, fields: { kind: "hello" } }]);
  } finally {
    await teardown(t);
  }
});

Deno.test("an AbortSignal cancels a blocked command: RedisClosedError, server sees the disconnect", async () => {
  const t = await setup();
  try {
    const controller = new AbortController();
    const popped = t.blocker.blpop(["never"], 0, { signal: controller.signal });
    await waitFor("BLPOP to block", async () => (await blockedClients(t.main)) === 1);
    controller.abort(new Error("shutting down"));
    await assert.rejects(popped, (err: unknown) => {
      assert.ok(err instanceof RedisClosedError);
      assert.match(err.message, /cancelled: shutting down/);
      return true;
    });
    assert.equal(t.blocker.connected, false);
    await waitFor(
      "the server to drop the blocked client",
      async () => (await blockedClients(t.main)) === 0,
    );
    // Nothing was popped by the cancelled command.
    await t.main.rpush("never", "x");
    assert.deepEqual(await t.main.lrange("never", 0, -1), ["x"]);
  } finally {
    await teardown(t);
  }
});

Deno.test("an already aborted signal rejects at once and leaves the connection alone", async () => {
  const t = await setup();
  try {
    const signal = AbortSignal.abort();
    await assert.rejects(t.blocker.blpop(["q"], 0, { signal }), RedisClosedError);
    assert.equal(t.blocker.connected, true);
    assert.equal(await t.blocker.ping(), "PONG");
  } finally {
    await teardown(t);
  }
});

Deno.test("a signal that is never aborted is released when the reply arrives", async () => {
  const t = await setup();
  try {
    const controller = new AbortController();
    await t.main.rpush("q", "a");
    assert.deepEqual(await t.blocker.blpop(["q"], 1, { signal: controller.signal }), ["q", "a"]);
    // Aborting later must not touch the (now idle) connection.
    controller.abort();
    assert.equal(t.blocker.connected, true);
    assert.equal(await t.blocker.ping(), "PONG");
  } finally {
    await teardown(t);
  }
});

Deno.test("close() while blocked rejects the command with RedisClosedError", async () => {
  const t = await setup();
  try {
    const read = t.blocker.xread("stream", "$", { blockMs: 0 });
    const popped = t.blocker.blpop(["queued-behind"], 0); // waits behind the XREAD
    await waitFor("XREAD to block", async () => (await blockedClients(t.main)) === 1);
    const outcomes = Promise.allSettled([read, popped]);
    await t.blocker.close();
    for (const outcome of await outcomes) {
      assert.equal(outcome.status, "rejected");
      assert.ok(outcome.reason instanceof RedisClosedError);
    }
    await assert.rejects(t.blocker.ping(), RedisClosedError);
    await waitFor(
      "the server to drop the blocked client",
      async () => (await blockedClients(t.main)) === 0,
    );
  } finally {
    await teardown(t);
  }
});
