/**
 * Messages through the library's Channel (mod.ts): the "Messages" group of tinytown's library
 * integration tests (library.md §14), plus what tt adds — the urgent list first, sendMany,
 * request/reply by correlation id, broadcasts as an async iterable, live events.
 */
import assert from "node:assert/strict";
import { encodeMessage } from "../src/model/message.ts";
import { RedisClient } from "../src/redis/mod.ts";
import {
  type Message,
  newEvent,
  newId,
  newMessage,
  type StoredEvent,
  SUPERVISOR_ID,
} from "../mod.ts";
import { blockedClients, eventually, withLibTown } from "./helpers/lib_town.ts";

const ping = (to: string) => newMessage(SUPERVISOR_ID, to, { type: "ping" });

Deno.test("one send of a ping makes the inbox length 1", () =>
  withLibTown(async (town) => {
    const agent = newId();
    await town.channel.send(ping(agent));
    assert.equal(await town.channel.inboxLen(agent), 1);
  }));

Deno.test("a sent message taken with tryReceive keeps its id, from and to", () =>
  withLibTown(async (town) => {
    const agent = newId();
    const m = ping(agent);
    await town.channel.send(m);
    const got = await town.channel.tryReceive(agent);
    assert.equal(got?.id, m.id);
    assert.equal(got?.from, SUPERVISOR_ID);
    assert.equal(got?.to, agent);
  }));

Deno.test("a high-priority message sent after a low one is taken first", () =>
  withLibTown(async (town) => {
    const agent = newId();
    const low = newMessage(SUPERVISOR_ID, agent, { type: "ping" }, { priority: "low" });
    const high = newMessage(SUPERVISOR_ID, agent, { type: "ping" }, { priority: "high" });
    await town.channel.send(low);
    await town.channel.send(high);
    assert.equal((await town.channel.tryReceive(agent))?.id, high.id);
    assert.equal((await town.channel.tryReceive(agent))?.id, low.id);
  }));

Deno.test("tryReceive: null on an empty inbox, the message once one is sent", () =>
  withLibTown(async (town) => {
    const agent = newId();
    assert.equal(await town.channel.tryReceive(agent), null);
    const m = ping(agent);
    await town.channel.send(m);
    assert.equal((await town.channel.tryReceive(agent))?.id, m.id);
  }));

Deno.test("a response made with correlationId carries the request's id", () => {
  const agent = newId();
  const request = newMessage(SUPERVISOR_ID, agent, { type: "status_request" });
  const response = newMessage(agent, SUPERVISOR_ID, { type: "status_response", state: "idle" }, {
    correlationId: request.id,
  });
  assert.equal(response.correlationId, request.id);
});

Deno.test("three sends give length 3; three takes empty the inbox, in order", () =>
  withLibTown(async (town) => {
    const agent = newId();
    const sent = [1, 2, 3].map(() => ping(agent));
    for (const m of sent) await town.channel.send(m);
    assert.equal(await town.channel.inboxLen(agent), 3);
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await town.channel.tryReceive(agent))?.id);
    assert.deepEqual(got, sent.map((m) => m.id));
    assert.equal(await town.channel.inboxLen(agent), 0);
  }));

Deno.test("receive with 100 ms on an empty inbox gives null after at least 100 ms", () =>
  withLibTown(async (town) => {
    const started = performance.now();
    assert.equal(await town.channel.receive(newId(), 100), null);
    assert.ok(performance.now() - started >= 99);
  }));

Deno.test("receive returns a message that arrives while it waits (the reference's BLPOP lost it)", () =>
  withLibTown(async (town) => {
    const agent = newId();
    const m = ping(agent);
    const redis = await RedisClient.connect(`unix://${town.root}/.tt/redis.sock`);
    try {
      const waiting = town.channel.receive(agent, 10_000);
      await eventually("receive to block", async () => await blockedClients(redis) === 1);
      await town.channel.send(m);
      assert.equal((await waiting)?.id, m.id);
      // Handed over: neither in the inbox nor left in flight.
      await eventually(
        "the in-flight copy to go",
        async () => await redis.llen(`tt:${town.name}:inflight:${agent}`) === 0,
      );
      assert.equal(await town.channel.inboxLen(agent), 0);
    } finally {
      await redis.close();
    }
  }));

Deno.test("fifty sends give inbox length 50", () =>
  withLibTown(async (town) => {
    const agent = newId();
    for (let i = 0; i < 50; i++) await town.channel.send(ping(agent));
    assert.equal(await town.channel.inboxLen(agent), 50);
  }));

Deno.test("the urgent list is read first, as the CLI and the agent loop read it", () =>
  withLibTown(async (town) => {
    const agent = newId();
    const normal = ping(agent);
    const urgent = newMessage(SUPERVISOR_ID, agent, { type: "query", question: "now?" });
    await town.channel.send(normal);
    await town.channel.sendUrgent(urgent);
    assert.equal(await town.channel.urgentLen(agent), 1);
    assert.equal(await town.channel.inboxLen(agent), 1);
    assert.equal((await town.channel.receive(agent, 1000))?.id, urgent.id);
    assert.equal((await town.channel.receive(agent, 1000))?.id, normal.id);
  }));

Deno.test("an urgent message sent while receive waits is returned", () =>
  withLibTown(async (town) => {
    const agent = newId();
    const urgent = newMessage(SUPERVISOR_ID, agent, { type: "shutdown" });
    const waiting = town.channel.receive(agent, 10_000);
    await town.channel.sendUrgent(urgent);
    assert.equal((await waiting)?.id, urgent.id);
  }));

// The message handed over leaves flight before the Channel's next command runs (its removal
// was once sent a macrotask late and could follow that command).
Deno.test("entries that are not messages for this mailbox go to the dead letters", () =>
  withLibTown(async (town) => {
    const agent = newId();
    const moved = await town.channel.moveMessageToInbox(ping(newId()), agent);
    const stray = encodeMessage(newMessage(SUPERVISOR_ID, newId(), { type: "ping" }));
    // What a buggy writer could leave: garbage, and a message for someone else.
    const redis = await RedisClient.connect(`unix://${town.root}/.tt/redis.sock`);
    try {
      await redis.lpush(`tt:${town.name}:inbox:${agent}`, stray, "not json");
      const waiting = town.channel.receive(agent, 5000);
      assert.equal((await waiting)?.id, moved.id);
      assert.equal(await town.channel.tryReceive(agent), null);
      const dead = (await redis.lrange(`tt:${town.name}:dead`, 0, -1)).map((d) => JSON.parse(d));
      assert.deepEqual(dead.map((d) => d.raw).sort(), ["not json", stray].sort());
      assert.ok(dead.every((d) => d.agent_id === agent));
      assert.deepEqual(
        await redis.lrange(`tt:${town.name}:inflight:${agent}`, 0, -1),
        [],
        `moved ${moved.id}`,
      );
    } finally {
      await redis.close();
    }
  }));

Deno.test("a received message is out of flight for the Channel's next command: no second delivery", () =>
  withLibTown(async (town) => {
    const agent = newId();
    for (let i = 0; i < 20; i++) {
      const m = ping(agent);
      await town.channel.send(m);
      assert.equal((await town.channel.tryReceive(agent))?.id, m.id);
      // A redelivery right after the hand-over must not find the message still in flight.
      assert.equal(await town.channel.redeliverInFlight(agent), 0);
      assert.equal(await town.channel.tryReceive(agent), null);
    }
  }));

Deno.test("sendMany delivers every message in order, in pipelines", () =>
  withLibTown(async (town) => {
    const agent = newId();
    const many = Array.from({ length: 2500 }, () => ping(agent));
    await town.channel.sendMany(many);
    assert.equal(await town.channel.inboxLen(agent), 2500);
    // More than one variadic push's worth (1,000 values each), still in order.
    const all = await town.channel.peekInbox(agent, 2500);
    assert.deepEqual(all.map((m) => m.id), many.map((m) => m.id));
    await town.channel.sendMany([ping(agent)], { urgent: true });
    assert.equal(await town.channel.urgentLen(agent), 1);
  }));

Deno.test("sendMany queues mixed recipients and priorities exactly as one send each would", () =>
  withLibTown(async (town) => {
    const [a, b, c, d] = [newId(), newId(), newId(), newId()];
    const task = (to: string, priority: Message["priority"]) => ({
      ...newMessage(SUPERVISOR_ID, to, { type: "task", description: `for ${to}` }),
      priority,
    });
    // Runs of the same list and direction, broken by another recipient or priority.
    const mix = (x: string, y: string) => [
      task(x, "normal"),
      task(x, "normal"),
      task(y, "normal"),
      task(x, "high"),
      task(x, "urgent"),
      task(x, "low"),
      task(x, "normal"),
    ];
    const one = mix(a, b);
    for (const m of one) await town.channel.send(m);
    const many = mix(c, d);
    await town.channel.sendMany(many);
    const order = async (agent: string, sent: Message[]) => {
      const ids = (await town.channel.peekInbox(agent, 100)).map((m) => m.id);
      return ids.map((id) => sent.findIndex((m) => m.id === id));
    };
    assert.deepEqual(await order(c, many), await order(a, one));
    assert.deepEqual(await order(d, many), await order(b, one));
    assert.deepEqual(await order(a, one), [4, 3, 0, 1, 5, 6]);
  }));

Deno.test("request waits for the reply with its correlation id, leaving other messages", () =>
  withLibTown(async (town) => {
    const asker = newId();
    const answerer = newId();
    const unrelated = newMessage(answerer, asker, { type: "informational", summary: "fyi" });
    await town.channel.send(unrelated);
    const request = newMessage(asker, answerer, { type: "query", question: "ready?" });
    const replying = (async () => {
      const q = await town.channel.receive(answerer, 10_000);
      assert.equal(q?.id, request.id);
      return await town.channel.reply(q!, { type: "informational", summary: "yes" });
    })();
    const reply = await town.channel.request(request, { timeoutMs: 10_000 });
    const sent = await replying;
    assert.equal(reply?.id, sent.id);
    assert.equal(reply?.correlationId, request.id);
    assert.equal(reply?.from, answerer);
    // The unrelated message is still waiting, untouched.
    assert.deepEqual((await town.channel.drainInbox(asker)).map((m) => m.id), [unrelated.id]);
    // No reply at all: null at the deadline.
    const lonely = newMessage(asker, newId(), { type: "ping" });
    assert.equal(await town.channel.request(lonely, { timeoutMs: 50 }), null);
  }));

Deno.test("subscribeBroadcast iterates the town's broadcasts until closed", () =>
  withLibTown(async (town) => {
    const sub = await town.channel.subscribeBroadcast();
    const sent = [1, 2, 3].map(() =>
      newMessage(SUPERVISOR_ID, SUPERVISOR_ID, { type: "informational", summary: "news" })
    );
    for (const m of sent) assert.equal(await town.channel.broadcast(m), 1);
    const got: Message[] = [];
    for await (const m of sub) {
      got.push(m);
      if (got.length === 3) break; // leaving the loop closes the subscription
    }
    assert.deepEqual(got.map((m) => m.id), sent.map((m) => m.id));
    assert.equal(await town.channel.broadcast(sent[0]), 0);
  }));

Deno.test("watchEvents follows the event stream from now on", () =>
  withLibTown(async (town) => {
    await town.channel.emitEvent(newEvent("agent_spawned", "before the watch"));
    await using feed = await town.channel.watchEvents();
    const h = await town.spawnAgent("watched", { start: false });
    const got: StoredEvent[] = [];
    for await (const e of feed) {
      got.push(e);
      break;
    }
    assert.equal(got[0].event.eventType, "agent_spawned");
    assert.equal(got[0].event.agentId, h.id);
    const recent = await town.channel.recentEvents(10);
    assert.deepEqual(recent.map((e) => e.event.message), [
      "before the watch",
      got[0].event.message,
    ]);
  }));
