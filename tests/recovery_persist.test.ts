/**
 * What survives a Redis restart. Default config: `tt stop` (SHUTDOWN SAVE) then `tt start`
 * brings back every key of the town unchanged — agents, tasks, inboxes, urgent and in-flight
 * lists, backlog, events, dead letters. With `persist = true` (AOF), a redis-server killed
 * with SIGKILL loses nothing that reached the append-only file, and `tt start` loads it.
 */
import assert from "node:assert/strict";
import { newAgent } from "../src/model/agent.ts";
import { newEvent } from "../src/model/event.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { encodeMessage, newMessage } from "../src/model/message.ts";
import { newTask } from "../src/model/task.ts";
import type { RedisClient } from "../src/redis/mod.ts";
import type { Store } from "../src/store/store.ts";
import { assignNewTask } from "../src/service/task_ops.ts";
import { type ChaosTown, chaosTown, processAlive, waitFor } from "./fixtures/chaos_town.ts";

/** A bit of every kind of data a town holds (no live loops, so `tt stop` changes nothing). */
async function populate(store: Store): Promise<void> {
  const w = { ...newAgent("w", "claude"), state: "stopped" as const };
  const v = { ...newAgent("v", "claude"), state: "error" as const, lastError: "boom" };
  await store.agents.create(w, 0);
  await store.agents.create(v, 0);
  for (let i = 0; i < 3; i++) await assignNewTask(store, w.id, `task ${i}`);
  await store.tasks.create(newTask("in the backlog", { tags: ["api"] }), { backlog: true });
  await store.mailbox.send(newMessage(SUPERVISOR_ID, v.id, { type: "query", question: "?" }), {
    urgent: true,
  });
  const taken = newMessage(SUPERVISOR_ID, v.id, { type: "task", description: "half done" });
  await store.redis.rpush(store.keys.inflight(v.id), encodeMessage(taken));
  await store.mailbox.addDeadLetters(v.id, [{ raw: "{bad", reason: "not JSON", urgent: false }]);
  await store.activity.add(w.id, "🔄 something happened");
  await store.events.emit(newEvent("agent_stopped", "w stopped", { agentId: w.id }));
}

/** Every key of the town with its type, content and whether it has a TTL. */
async function snapshot(redis: RedisClient, town: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of (await redis.scanAll(`tt:${town}:*`)).sort()) {
    const type = await redis.command(["TYPE", key]);
    const ttl = (await redis.command(["TTL", key])) as number;
    const content = type === "string"
      ? await redis.get(key)
      : type === "list"
      ? await redis.lrange(key, 0, -1)
      : type === "hash"
      ? Object.entries(await redis.hgetall(key)).sort()
      : type === "set"
      ? (await redis.smembers(key)).sort()
      : type === "stream"
      ? await redis.xrange(key)
      : `unexpected type ${type}`;
    out[key] = { type, content, ttl: ttl > 0 };
  }
  return out;
}

/** A server that answers may still be loading its files (commands then get LOADING). */
async function loaded(redis: RedisClient): Promise<void> {
  await waitFor("the data to load", async () => (await redis.info("persistence")).loading === "0");
}

async function serverPid(town: ChaosTown): Promise<number> {
  return Number((await Deno.readTextFile(`${town.dir}/.tt/redis.pid`)).trim());
}

Deno.test("persistence: tt stop then tt start keeps every key of the town", async () => {
  const town = await chaosTown();
  try {
    await populate(town.store);
    const before = await snapshot(town.redis, town.name);
    assert.ok(Object.keys(before).length >= 15, Object.keys(before).join("\n"));
    const pid = await serverPid(town);
    await town.redis.close();
    await town.ok("stop");
    assert.ok(!processAlive(pid), "the server is gone");
    assert.match(await town.ok("start"), /started now/);
    await town.reconnect();
    await loaded(town.redis);
    assert.deepEqual(await snapshot(town.redis, town.name), before);
  } finally {
    await town.done();
  }
});

Deno.test("persistence: with persist = true, a SIGKILLed redis-server comes back whole", async () => {
  const town = await chaosTown({ config: { persist: true } });
  try {
    await populate(town.store);
    const marker = `marker-${crypto.randomUUID()}`;
    await town.redis.set(`tt:${town.name}:test-marker`, marker);
    const before = await snapshot(town.redis, town.name);
    // Wait until the last write is in the append-only file (written, if not yet fsynced: a
    // SIGKILL of the server does not lose what the kernel already has).
    const aofDir = `${town.dir}/.tt/appendonlydir`;
    await waitFor("the last write to reach the AOF", async () => {
      for await (const e of Deno.readDir(aofDir)) {
        if (!e.name.endsWith(".incr.aof")) continue;
        // An AOF rewrite may remove an old incr file between the listing and the read.
        const text = await Deno.readTextFile(`${aofDir}/${e.name}`).catch(() => "");
        if (text.includes(marker)) return true;
      }
      return false;
    });
    const pid = await serverPid(town);
    await town.redis.close();
    Deno.kill(pid, "SIGKILL");
    await waitFor("the server to die", () => !processAlive(pid));
    await town.ok("start");
    assert.notEqual(await serverPid(town), pid);
    await town.reconnect();
    await loaded(town.redis);
    assert.deepEqual(await snapshot(town.redis, town.name), before);
  } finally {
    await town.done();
  }
});
