/**
 * Where the library deliberately differs from tinytown's (library.md §12.9), each shown
 * against a real redis-server: receive never loses a message, wait() rejects instead of
 * spinning, listAgents rejects on a Redis failure instead of returning [], and closing a
 * handle stops the town's Redis only when that handle started it and nothing else uses it.
 */
import assert from "node:assert/strict";
import { encodeMessage } from "../src/model/message.ts";
import { RedisClient } from "../src/redis/mod.ts";
import {
  AgentFailedError,
  AgentNotFoundError,
  newId,
  newMessage,
  RedisClosedError,
  RedisError,
  SUPERVISOR_ID,
  Town,
  WaitTimeoutError,
} from "../mod.ts";
import { startRedis } from "./helpers/redis.ts";
import { blockedClients, eventually, libTown, probeCli } from "./helpers/lib_town.ts";

function processAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

const ping = (to: string) => newMessage(SUPERVISOR_ID, to, { type: "ping" });

function socketUrl(town: Town | string): string {
  return `unix://${typeof town === "string" ? town : town.root}/.tt/redis.sock`;
}

/** Whether the town's redis-server answers (connecting only for the question). */
async function redisUp(dir: string): Promise<boolean> {
  try {
    const c = await RedisClient.connect(socketUrl(dir));
    try {
      return (await c.ping()) === "PONG";
    } finally {
      await c.close();
    }
  } catch {
    return false;
  }
}

async function lpushCalls(redis: RedisClient): Promise<number> {
  const line = (await redis.info("commandstats"))["cmdstat_lpush"] ?? "";
  return Number(/calls=(\d+)/.exec(line)?.[1] ?? 0);
}

// ---- receive keeps the message --------------------------------------------------------------

Deno.test("a receive given up as its message arrives leaves that message at the inbox front", async () => {
  await using t = await libTown();
  const town = await t.init();
  const redis = await RedisClient.connect(socketUrl(town));
  try {
    const agent = newId();
    const earlier = ping(agent);
    const m = ping(agent);
    const abort = new AbortController();
    const waiting = town.channel.receive(agent, 30_000, { signal: abort.signal });
    await eventually("receive to block", async () => await blockedClients(redis) === 1);
    await redis.command(["CONFIG", "RESETSTAT"]);
    // The push is written before the cancel on the same connection: Redis moves the message
    // to the waiting receive, then the receive is cancelled. With a plain pop it is gone.
    const sending = town.channel.send(m);
    abort.abort();
    await sending;
    await assert.rejects(waiting, (err: Error) => err.name === "AbortError");
    assert.equal(await lpushCalls(redis), 1, "the moved message was put back");
    // Back at the front, nothing left in flight, and still first after a later message.
    await town.channel.send(earlier);
    assert.deepEqual(await redis.lrange(`tt:${town.name}:inbox:${agent}`, 0, -1), [
      encodeMessage(m),
      encodeMessage(earlier),
    ]);
    assert.equal(await redis.llen(`tt:${town.name}:inflight:${agent}`), 0);
    assert.equal((await town.channel.tryReceive(agent))?.id, m.id);
  } finally {
    await redis.close();
  }
});

Deno.test("closing the town while a receive waits rejects it and keeps the message", async () => {
  await using t = await libTown();
  const town = await t.init();
  const redis = await RedisClient.connect(socketUrl(town));
  try {
    const agent = newId();
    const m = ping(agent);
    const waiting = town.channel.receive(agent, 30_000);
    await eventually("receive to block", async () => await blockedClients(redis) === 1);
    const sending = town.channel.send(m);
    const closing = town.close();
    await sending;
    await assert.rejects(waiting, RedisClosedError);
    await closing;
    assert.deepEqual(await redis.lrange(`tt:${town.name}:inbox:${agent}`, 0, -1), [
      encodeMessage(m),
    ]);
    assert.equal(await redis.llen(`tt:${town.name}:inflight:${agent}`), 0);
    // This test's own connection counted as "someone else": the Redis was left running.
    assert.equal(await redis.ping(), "PONG");
  } finally {
    await redis.close();
  }
});

Deno.test("receives that time out leave nothing in flight; concurrent ones each get one", async () => {
  await using t = await libTown();
  const town = await t.init();
  const redis = await RedisClient.connect(socketUrl(town));
  try {
    const agent = newId();
    assert.equal(await town.channel.receive(agent, 50), null);
    const three = [town.channel.receive(agent, 10_000), town.channel.receive(agent, 10_000)];
    const sent = [ping(agent), ping(agent)];
    await town.channel.sendMany(sent);
    const got = (await Promise.all(three)).map((m) => m?.id).sort();
    assert.deepEqual(got, sent.map((m) => m.id).sort());
    await eventually(
      "the in-flight copies to go",
      async () => await redis.llen(`tt:${town.name}:inflight:${agent}`) === 0,
    );
  } finally {
    await redis.close();
  }
});

// ---- wait() rejects instead of spinning -----------------------------------------------------

Deno.test("wait rejects at once for an agent whose record is missing, or removed meanwhile", async () => {
  await using t = await libTown();
  const town = await t.init();
  const gone = await town.spawnAgent("gone", { start: false });
  await town.channel.deleteAgent(gone.id);
  await assert.rejects(() => gone.wait({ timeoutMs: 60_000 }), AgentNotFoundError);

  const later = await town.spawnAgent("later", { start: false });
  const waiting = later.wait({ timeoutMs: 60_000 });
  await town.channel.deleteAgent(later.id);
  await assert.rejects(waiting, AgentNotFoundError);
  await assert.rejects(() => town.agent("conductor").then((c) => c.wait()), AgentNotFoundError);
});

Deno.test("wait: a deadline, an abort signal, and the error state each end it", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await town.spawnAgent("waited", { start: false });
  await assert.rejects(
    () => h.wait({ timeoutMs: 100 }),
    (err: Error) => err instanceof WaitTimeoutError && err.agent.state === "starting",
  );
  const abort = new AbortController();
  const waiting = h.wait({ signal: abort.signal });
  abort.abort(new Error("caller gave up"));
  await assert.rejects(waiting, /caller gave up/);
  await town.channel.saveAgent({ ...(await h.state())!, state: "error", lastError: "CLI gone" });
  await assert.rejects(
    () => h.wait(),
    (err: Error) => err instanceof AgentFailedError && /CLI gone/.test(err.message),
  );
});

Deno.test("wait: idle with work waiting is not done; until 'stopped' waits for the end", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await town.spawnAgent("busy", { start: false });
  await town.channel.saveAgent({ ...(await h.state())!, state: "idle" });
  await h.assign("still to do");
  await assert.rejects(() => h.wait({ timeoutMs: 200 }), WaitTimeoutError);
  await town.channel.drainInbox(h.id);
  assert.equal((await h.wait({ timeoutMs: 5000 })).state, "idle");
  await assert.rejects(() => h.wait({ until: "stopped", timeoutMs: 200 }), WaitTimeoutError);
  await town.channel.saveAgent({ ...(await h.state())!, state: "cold" });
  assert.equal((await h.wait({ until: "stopped", timeoutMs: 5000 })).state, "cold");
});

// ---- listAgents rejects on Redis errors -----------------------------------------------------

Deno.test("listAgents rejects with a Redis error when Redis is gone (the reference returns [])", async () => {
  await using t = await libTown();
  const town = await t.init();
  await town.spawnAgent("someone", { start: false });
  assert.equal((await town.listAgents()).length, 1);
  const pid = Number((await Deno.readTextFile(`${t.dir}/.tt/redis.pid`)).trim());
  Deno.kill(pid, "SIGKILL");
  await eventually("redis-server to die", async () => !(await redisUp(t.dir)));
  await assert.rejects(() => town.listAgents(), RedisError);
  await assert.rejects(() => town.channel.listAgents(), RedisError);
});

// ---- closing and stopping -------------------------------------------------------------------

Deno.test("leaving an `await using` block stops the Redis the handle started, used by no one else", async () => {
  await using t = await libTown();
  {
    await using town = await Town.init(t.dir, "lib-dispose", { env: t.env });
    assert.ok(await redisUp(t.dir));
    await town.spawnAgent("record-only", { start: false }); // no loop: uses nothing
  }
  assert.equal(await redisUp(t.dir), false);
  await assert.rejects(() => Deno.stat(`${t.dir}/.tt/redis.pid`), Deno.errors.NotFound);
  // Connect starts it again, and (having started it) stops it on close.
  const again = await Town.connect(t.dir, { env: t.env });
  assert.equal((await again.listAgents()).length, 1);
  await again.close();
  assert.equal(await redisUp(t.dir), false);
});

Deno.test("closing leaves Redis running while another handle or client uses it", async () => {
  await using t = await libTown();
  const owner = await Town.init(t.dir, "lib-shared", { env: t.env });
  const other = await Town.connect(t.dir, { env: t.env });
  await owner.close();
  assert.ok(await redisUp(t.dir), "another Town handle is open");
  await other.close();
  assert.ok(await redisUp(t.dir), "the other handle did not start it");

  const starter = await Town.connect(t.dir, { env: t.env }); // running: starts nothing
  await starter.close();
  assert.ok(await redisUp(t.dir));
  await (await Town.connect(t.dir, { env: t.env })).stop();

  const reopened = await Town.connect(t.dir, { env: t.env }); // starts it
  const client = await RedisClient.connect(socketUrl(t.dir));
  try {
    // Once it has been answered, the server has accepted it (it is in CLIENT LIST).
    assert.equal(await client.ping(), "PONG");
    await reopened.close();
    assert.equal(await client.ping(), "PONG", "a plain client is connected");
  } finally {
    await client.close();
  }
  const kept = await Town.connect(t.dir, { env: t.env, redis: "keep" });
  await kept.close();
  assert.ok(await redisUp(t.dir), "redis: keep");
});

Deno.test("closing leaves Redis running for a live agent loop; stop() ends both", async () => {
  await using t = await libTown();
  const town = await Town.init(t.dir, "lib-loop-alive", {
    env: t.env,
    agentClis: { probe: probeCli("--complete") },
  });
  const h = await town.spawnAgent("looper", { cli: "probe" });
  const idle = await h.wait({ timeoutMs: 30_000 }); // its loop is connected and waiting
  await town.close();
  assert.ok(await redisUp(t.dir));
  const again = await Town.connect(t.dir, { env: t.env });
  const other = await Town.connect(t.dir, { env: t.env, redis: "keep" });
  const r = await again.stop(); // always stops, another handle open or not
  assert.deepEqual(r.agentsStopped, ["looper"]);
  assert.equal(r.stopped, true);
  assert.equal(await redisUp(t.dir), false);
  assert.equal(processAlive(idle.pid!), false);
  await other.close();
});

Deno.test("a loop that has not connected yet (its process, or its lease) also keeps Redis", async () => {
  await using t = await libTown();
  const town = await Town.init(t.dir, "lib-loop-early", { env: t.env });
  const h = await town.spawnAgent("early", { start: false });
  // A process whose command line names the agent, as a just-launched loop's does.
  const loop = new Deno.Command("sh", { args: ["-c", "sleep 60", h.id] }).spawn();
  try {
    await town.channel.saveAgent({ ...(await h.state())!, pid: loop.pid, host: Deno.hostname() });
    await town.close();
    assert.ok(await redisUp(t.dir), "its process runs");
  } finally {
    loop.kill("SIGKILL");
    await loop.status;
  }
  const again = await Town.connect(t.dir, { env: t.env }); // running already: not its starter
  await again.stop();
  const restarted = await Town.connect(t.dir, { env: t.env }); // starts it
  const { pid: _pid, host: _host, ...record } = (await restarted.channel.getAgent(h.id))!;
  await restarted.channel.saveAgent({ ...record, state: "starting" }); // stop() had stopped it
  const lease = await RedisClient.connect(socketUrl(t.dir));
  await lease.set(`tt:lib-loop-early:lease:${h.id}`, "1@elsewhere", { ex: 60 });
  await lease.close();
  await restarted.close();
  assert.ok(await redisUp(t.dir), "its lease is held");
});

Deno.test("an external Redis (REDIS_URL) is never stopped, by close or by stop", async () => {
  await using redis = await startRedis();
  await using t = await libTown();
  const town = await Town.init(t.dir, "lib-external", { env: { ...t.env, REDIS_URL: redis.url } });
  await town.spawnAgent("ext", { start: false });
  await town.close();
  const again = await Town.connect(t.dir, { env: { ...t.env, REDIS_URL: redis.url } });
  const r = await again.stop();
  assert.equal(r.managed, false);
  assert.equal(r.stopped, false);
  const client = await RedisClient.connect(redis.url);
  try {
    assert.equal(await client.ping(), "PONG");
    assert.equal((await client.smembers("tt:lib-external:agents")).length, 1);
  } finally {
    await client.close();
  }
});
