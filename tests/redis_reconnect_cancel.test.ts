/**
 * Review findings for the Redis client: cancelling and closing while it reconnects.
 */
import assert from "node:assert/strict";
import { RedisClient } from "../src/redis/client.ts";
import { RedisClosedError } from "../src/redis/errors.ts";
import { startRedis, waitFor } from "./helpers/redis.ts";

/**
 * A TCP peer that plays Redis badly: the first connection answers AUTH with +OK and stays
 * until `dropFirst()`; every later one is closed at once, or (with `hang`) left unanswered.
 */
function fakeRedis() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  let accepted = 0;
  let hang = false;
  const serving = (async () => {
    for await (const conn of listener) {
      const index = accepted++;
      if (index === 0) {
        conns.push(conn);
        const buf = new Uint8Array(1024);
        await conn.read(buf);
        await conn.write(new TextEncoder().encode("+OK\r\n"));
      } else if (hang) {
        conns.push(conn);
      } else {
        conn.close();
      }
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    get accepted() {
      return accepted;
    },
    set hang(value: boolean) {
      hang = value;
    },
    dropFirst() {
      conns.shift()?.close();
    },
    async close() {
      listener.close();
      await serving.catch(() => {});
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed by the client side already
        }
      }
    },
  };
}

Deno.test("close() during a reconnect back-off makes no further connection attempt", async () => {
  const fake = fakeRedis();
  let client: RedisClient | undefined;
  try {
    let retries = 0;
    client = await RedisClient.connect({
      endpoint: { kind: "tcp", hostname: "127.0.0.1", port: fake.port },
      password: "pw",
      connectTimeoutMs: 3000,
      reconnect: { initialDelayMs: 60_000, onRetry: () => retries++ },
    });
    fake.dropFirst();
    await waitFor("the client to notice the drop", () => !client!.connected);
    const waiting = client.ping().catch((err) => err);
    await waitFor("a failed reconnect attempt", () => retries === 1);
    const before = fake.accepted;
    fake.hang = true; // a further attempt would now wait out the connect timeout
    const started = Date.now();
    await client.close();
    const took = Date.now() - started;
    assert.ok((await waiting) instanceof RedisClosedError);
    assert.equal(fake.accepted, before, "close() dialled Redis again");
    assert.ok(took < 1000, `close() took ${took} ms`);
  } finally {
    await client?.close();
    await fake.close();
  }
});

Deno.test("aborting a command that waits for a reconnect rejects it at once", async () => {
  const redis = await startRedis();
  let client: RedisClient | undefined;
  try {
    client = await RedisClient.connect({
      endpoint: { kind: "unix", path: redis.socket },
      reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
    });
    await client.ping();
    await redis.kill();
    await waitFor("the client to notice", () => !client!.connected);
    const abort = new AbortController();
    const waiting = client.blpop(["q"], 0, { signal: abort.signal }).then(
      () => "resolved",
      (err) => err,
    );
    abort.abort(new Error("stop"));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      waiting,
      new Promise((r) => timer = setTimeout(() => r("still waiting"), 2000)),
    ]);
    clearTimeout(timer);
    assert.ok(outcome instanceof RedisClosedError, `got ${String(outcome)}`);
  } finally {
    await client?.close();
    await redis.stop();
  }
});
