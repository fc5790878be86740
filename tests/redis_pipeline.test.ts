/** Many commands in flight, pipelines, MULTI/EXEC with WATCH, and Lua scripts. */
import assert from "node:assert/strict";
import { RedisClient, RedisReplyError, Script } from "../src/redis/mod.ts";
import { startRedis, type TestRedis } from "./helpers/redis.ts";

async function withClient(
  fn: (client: RedisClient, redis: TestRedis) => Promise<void>,
): Promise<void> {
  const redis = await startRedis();
  try {
    const client = await RedisClient.connect(redis.url);
    try {
      await fn(client, redis);
    } finally {
      await client.close();
    }
  } finally {
    await redis.stop();
  }
}

Deno.test("10,000 concurrent commands resolve in order with their own replies", async () => {
  await withClient(async (client) => {
    const n = 10_000;
    const setup = client.pipeline();
    for (let i = 0; i < n; i++) setup.add("SET", `k:${i}`, `value-${i}`);
    assert.ok((await setup.execOrThrow()).every((r) => r === "OK"));
    // Fired without awaiting: INCRs must come back 1..n and each GET its own key's value.
    const incrs: Promise<number>[] = [];
    const gets: Promise<string | null>[] = [];
    for (let i = 0; i < n; i++) {
      incrs.push(client.incr("counter"));
      gets.push(client.get(`k:${i}`));
    }
    const [counts, values] = await Promise.all([Promise.all(incrs), Promise.all(gets)]);
    counts.forEach((c, i) => assert.equal(c, i + 1));
    values.forEach((v, i) => assert.equal(v, `value-${i}`));
  });
});

Deno.test("commands from many concurrent tasks with awaits in between stay matched", async () => {
  await withClient(async (client) => {
    const worker = async (w: number) => {
      for (let i = 0; i < 200; i++) {
        const key = `w${w}`;
        const [pushed, echoed] = await Promise.all([
          client.rpush(key, `${w}:${i}`),
          client.command(["ECHO", `echo ${w}/${i} ${"é".repeat(i % 7)}`]),
        ]);
        assert.equal(pushed, i + 1);
        assert.equal(echoed, `echo ${w}/${i} ${"é".repeat(i % 7)}`);
        if (i % 50 === 0) assert.equal(await client.llen(key), i + 1);
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => worker(w)));
  });
});

Deno.test("pipeline: replies in order, an error reply in its place", async () => {
  await withClient(async (client) => {
    const p = client.pipeline()
      .add("SET", "a", "1")
      .add("INCR", "a")
      .add("LPUSH", "a", "x") // WRONGTYPE
      .add("GET", "a")
      .add("GET", "missing")
      .add("HSET", "h", "f", "é");
    assert.equal(p.length, 6);
    const results = await p.exec();
    assert.equal(results.length, 6);
    assert.deepEqual(results.slice(0, 2), ["OK", 2]);
    assert.ok(results[2] instanceof RedisReplyError);
    assert.equal(results[2].code, "WRONGTYPE");
    assert.deepEqual(results.slice(3), ["2", null, 1]);
    await assert.rejects(
      client.pipeline().add("PING").add("INCR", "h").execOrThrow(),
      (err: unknown) => err instanceof RedisReplyError && err.code === "WRONGTYPE",
    );
    const raw = await client.pipeline().add("HGET", "h", "f").add("PING").execRaw();
    assert.deepEqual(raw, [new TextEncoder().encode("é"), "PONG"]);
    assert.deepEqual(await client.pipeline().exec(), []);
  });
});

Deno.test("MULTI/EXEC: replies of the queued commands; run-time errors in place", async () => {
  await withClient(async (client) => {
    const results = await client.multi()
      .add("SET", "n", "10")
      .add("INCRBY", "n", 5)
      .add("LPUSH", "n", "x")
      .add("GET", "n")
      .exec();
    assert.equal(results.length, 4);
    assert.deepEqual([results[0], results[1], results[3]], ["OK", 15, "15"]);
    assert.ok(results[2] instanceof RedisReplyError && results[2].code === "WRONGTYPE");
    assert.deepEqual(await client.multi().exec(), []);
    const raw = await client.multi().add("GET", "n").execRaw();
    assert.deepEqual(raw, [new TextEncoder().encode("15")]);
  });
});

Deno.test("MULTI/EXEC: a queue-time error aborts the whole transaction", async () => {
  await withClient(async (client) => {
    await client.set("k", "before");
    await assert.rejects(
      client.multi().add("SET", "k", "after").add("SET", "onlykey").exec(),
      (err: unknown) =>
        err instanceof RedisReplyError && /wrong number of arguments/.test(err.message),
    );
    assert.equal(await client.get("k"), "before");
    // The connection is still in a normal state afterwards.
    assert.deepEqual(await client.multi().add("GET", "k").exec(), ["before"]);
  });
});

Deno.test("WATCH: execOrNull returns null when another client changed the key", async () => {
  await withClient(async (client) => {
    const other = await client.duplicate();
    try {
      await client.set("balance", "100");
      await client.command(["WATCH", "balance"]);
      await other.set("balance", "0");
      const tx = client.multi().add("DECRBY", "balance", 30);
      assert.equal(await tx.execOrNull(), null);
      assert.equal(await client.get("balance"), "0");

      // exec() reports the same as an error.
      await client.command(["WATCH", "balance"]);
      await other.set("balance", "50");
      await assert.rejects(
        client.multi().add("DECRBY", "balance", 30).exec(),
        (err: unknown) => err instanceof RedisReplyError && err.code === "EXECABORT",
      );

      // Unchanged: the transaction is applied.
      await client.command(["WATCH", "balance"]);
      assert.deepEqual(await client.multi().add("DECRBY", "balance", 30).execOrNull(), [20]);
    } finally {
      await other.close();
    }
  });
});

/** How many times Redis ran a command (INFO commandstats). */
async function calls(client: RedisClient, command: string): Promise<number> {
  const stats = await client.info("commandstats");
  const line = stats[`cmdstat_${command}`];
  return line ? Number(/calls=(\d+)/.exec(line)?.[1] ?? 0) : 0;
}

Deno.test("evalScript: EVAL once, then EVALSHA; still works after SCRIPT FLUSH", async () => {
  await withClient(async (client) => {
    const script = new Script("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}");
    assert.match(await script.sha(), /^[0-9a-f]{40}$/);
    assert.equal(
      await script.sha(),
      await client.command(["SCRIPT", "LOAD", script.source]),
      "our SHA-1 matches Redis's",
    );
    await client.command(["SCRIPT", "FLUSH"]);
    await client.command(["CONFIG", "RESETSTAT"]);

    assert.deepEqual(await client.evalScript(script, ["n"], ["a"]), ["n", "a", 1]);
    assert.deepEqual(await client.evalScript(script, ["n"], ["b"]), ["n", "b", 2]);
    assert.equal(await calls(client, "eval"), 1);
    assert.equal(await calls(client, "evalsha"), 1);

    await client.command(["SCRIPT", "FLUSH"]);
    assert.deepEqual(await client.evalScript(script, ["n"], ["c"]), ["n", "c", 3]);
    assert.deepEqual(await client.evalScript(script, ["n"], ["d"]), ["n", "d", 4]);
    assert.equal(await calls(client, "eval"), 2);

    // Concurrent first calls of a new script all succeed.
    const fresh = new Script("return ARGV[1] .. '!'");
    const many = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.evalScript(fresh, [], [`x${i}`])),
    );
    assert.deepEqual(many, Array.from({ length: 20 }, (_, i) => `x${i}!`));
  });
});

Deno.test("evalScript: a script error is a RedisReplyError", async () => {
  await withClient(async (client) => {
    const bad = new Script("return redis.call('NOSUCHCMD')");
    await assert.rejects(client.evalScript(bad, []), RedisReplyError);
    // The same on a second call (the failure must not poison the script cache).
    await assert.rejects(client.evalScript(bad, []), RedisReplyError);
    await client.set("s", "x");
    await assert.rejects(
      client.evalScript(new Script("return redis.call('INCR', KEYS[1])"), ["s"]),
      (err: unknown) => err instanceof RedisReplyError && /not an integer/.test(err.message),
    );
  });
});

Deno.test("a command with deferWrite keeps its place in order and goes out on its own", async () => {
  await withClient(async (client, redis) => {
    // Queued first but written late: the GET after it must still see its SET.
    const set = client.command(["SET", "deferred", "1"], { deferWrite: true });
    assert.equal(await client.get("deferred"), "1");
    assert.equal(await set, "OK");
    // With no command after it, the write still happens (on the event loop's next turn).
    const alone = client.command(["SET", "alone", "2"], { deferWrite: true });
    assert.equal(await alone, "OK");
    const other = await RedisClient.connect(redis.url);
    try {
      assert.equal(await other.get("alone"), "2");
    } finally {
      await other.close();
    }
  });
});
