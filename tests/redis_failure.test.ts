/**
 * Broken connections: every waiting command rejects (none hangs), and a client with
 * `reconnect` keeps working across a server restart while one without it fails fast.
 */
import assert from "node:assert/strict";
import {
  parseRedisUrl,
  RedisClient,
  RedisClosedError,
  RedisConnectionError,
  type RedisValue,
} from "../src/redis/mod.ts";
import { startRedis, waitFor } from "./helpers/redis.ts";

/**
 * Settles all promises, failing (instead of hanging forever) if any is still open after 20 s.
 * Call it before doing anything that makes them reject, so no rejection goes unhandled.
 */
async function settleAll<T>(promises: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("some commands never settled")), 20_000);
  });
  try {
    return await Promise.race([Promise.allSettled(promises), hang]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("SIGKILL behind DEBUG SLEEP: every command in flight rejects", async () => {
  await using redis = await startRedis({ extraArgs: ["--enable-debug-command", "yes"] });
  const client = await RedisClient.connect(redis.url);
  try {
    assert.equal(await client.ping(), "PONG");
    const inFlight: Promise<unknown>[] = [client.command(["DEBUG", "SLEEP", "30"])];
    for (let i = 0; i < 500; i++) inFlight.push(client.incr("n"));
    inFlight.push(client.pipeline().add("PING").add("GET", "n").exec());
    inFlight.push(client.multi().add("INCR", "n").exec());
    inFlight.push(client.blpop(["q"], 0));
    const settled = settleAll(inFlight);
    await redis.kill("SIGKILL");
    const results = await settled;
    assert.equal(results.length, 504);
    for (const r of results) {
      assert.equal(r.status, "rejected");
      assert.ok(r.reason instanceof RedisConnectionError, String(r.reason));
      assert.match(r.reason.message, /lost connection to Redis|closed the connection/);
      assert.ok(r.reason.message.includes(`unix://${redis.socket}`));
    }
    assert.equal(client.connected, false);
    await assert.rejects(client.ping(), RedisConnectionError);
  } finally {
    await client.close();
  }
});

Deno.test("SIGKILL while large replies stream in: each command resolves whole or rejects", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    const value = "v".repeat(256 * 1024);
    await client.set("big", value);
    const gets = Array.from({ length: 200 }, () => client.get("big"));
    const settled = settleAll(gets);
    await gets[0]; // the stream is flowing
    await redis.kill("SIGKILL");
    const results = await settled;
    for (const r of results) {
      if (r.status === "fulfilled") assert.equal(r.value, value);
      else assert.ok(r.reason instanceof RedisConnectionError, String(r.reason));
    }
  } finally {
    await client.close();
  }
});

Deno.test("without reconnect a dead server makes commands fail fast", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    await redis.kill("SIGKILL");
    await waitFor("the client to notice", () => !client.connected);
    await assert.rejects(client.ping(), (err: unknown) => {
      assert.ok(err instanceof RedisConnectionError);
      assert.match(err.message, /^not connected to Redis at unix:\/\//);
      return true;
    });
    await assert.rejects(client.pipeline().add("PING").exec(), RedisConnectionError);
    await redis.restart();
    await assert.rejects(client.ping(), RedisConnectionError, "no silent reconnect");
  } finally {
    await client.close();
  }
});

Deno.test("reconnect: commands issued while the server is down succeed once it is back", async () => {
  await using redis = await startRedis({
    password: "pw",
    extraArgs: ["--enable-debug-command", "yes"],
  });
  const failures: Error[] = [];
  const client = await RedisClient.connect({
    ...parseRedisUrl(redis.url),
    db: 2,
    reconnect: { initialDelayMs: 5, maxDelayMs: 40, onRetry: (_n, err) => failures.push(err) },
  });
  try {
    await client.set("k", "before");
    // A command already sent when the server dies is not retried: it may have run.
    const inFlight = client.command(["DEBUG", "SLEEP", "30"]).catch((e) => e);
    await redis.kill("SIGKILL");
    assert.ok((await inFlight) instanceof RedisConnectionError);
    await waitFor("the client to notice", () => !client.connected);

    let done = false;
    const waiting: Promise<RedisValue>[] = [
      client.incr("n"),
      client.get("k"),
      client.command(["CLIENT", "INFO"]),
    ];
    const settled = settleAll(waiting).finally(() => done = true);
    await waitFor("a few failed attempts", () => failures.length >= 3);
    assert.equal(done, false, "commands must wait while Redis is down");
    assert.ok(failures.every((e) => e instanceof RedisConnectionError));

    await redis.restart(); // same socket, empty data
    const [n, k, info] = await settled;
    assert.deepEqual(n, { status: "fulfilled", value: 1 });
    assert.deepEqual(k, { status: "fulfilled", value: null });
    assert.match(String((info as PromiseFulfilledResult<string>).value), / db=2 /);
    assert.equal(client.connected, true);
    assert.deepEqual(await client.pipeline().add("INCR", "n").exec(), [2]);
  } finally {
    await client.close();
  }
});

Deno.test("reconnect gives up after maxWaitMs with the connect error", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect({
    endpoint: { kind: "unix", path: redis.socket },
    reconnect: { initialDelayMs: 5, maxDelayMs: 20, maxWaitMs: 100 },
  });
  try {
    await redis.kill("SIGKILL");
    await waitFor("the client to notice", () => !client.connected);
    await assert.rejects(
      client.ping(),
      (err: unknown) =>
        err instanceof RedisConnectionError && /cannot connect to Redis/.test(err.message),
    );
  } finally {
    await client.close();
  }
});

Deno.test("close() during reconnect back-off rejects waiting commands, leaks no timer", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect({
    endpoint: { kind: "unix", path: redis.socket },
    reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
  });
  await redis.kill("SIGKILL");
  await waitFor("the client to notice", () => !client.connected);
  const waiting = client.ping().catch((e) => e);
  await client.close();
  assert.ok((await waiting) instanceof RedisClosedError);
  await assert.rejects(client.ping(), RedisClosedError);
});

/** A fake server that answers the first command with `reply` and then closes. */
async function withFakeServer(
  reply: Uint8Array,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    const conn = await listener.accept();
    try {
      await conn.read(new Uint8Array(1024));
      await conn.write(reply);
    } finally {
      conn.close();
    }
  })();
  try {
    await fn(`redis://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`);
  } finally {
    await serving;
    listener.close();
  }
}

Deno.test("garbage on the wire is a connection error, not a crash", async () => {
  await withFakeServer(new TextEncoder().encode("!garbage\r\n"), async (url) => {
    const client = await RedisClient.connect(url);
    try {
      const results = await settleAll([client.ping(), client.ping()]);
      for (const r of results) {
        assert.equal(r.status, "rejected");
        assert.ok(r.reason instanceof RedisConnectionError);
        assert.match(r.reason.message, /unexpected reply type byte 0x21/);
      }
    } finally {
      await client.close();
    }
  });
});

Deno.test("a reply cut off by a closing peer rejects with RedisConnectionError", async () => {
  await withFakeServer(new TextEncoder().encode("$100\r\nonly part"), async (url) => {
    const client = await RedisClient.connect(url);
    try {
      await assert.rejects(client.get("k"), (err: unknown) => {
        assert.ok(err instanceof RedisConnectionError);
        assert.match(err.message, /closed the connection/);
        return true;
      });
    } finally {
      await client.close();
    }
  });
});
