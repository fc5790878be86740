/**
 * Inboxes, with at-least-once delivery: an agent takes messages by moving them into its
 * in-flight lists, and removes them only when the round that handled them has finished. A loop
 * that dies mid-round leaves them in flight; the next loop (or `tt recover`) puts them back.
 */
import type { RedisClient } from "../redis/client.ts";
import type { SendOptions } from "../redis/connection.ts";
import type { RedisArg } from "../redis/resp_encode.ts";
import { WriteBatch } from "./batch.ts";
import { TypedPipeline } from "../redis/typed_pipeline.ts";
import { jsonTime } from "../model/time.ts";
import { decodeMessage, encodeMessage, type Message, pushesToFront } from "../model/message.ts";
import type { TownKeys } from "./keys.ts";
import type { Subscriber } from "../redis/pubsub.ts";
import { REDELIVER, RETURN_ONE, TAKE_MESSAGES, TAKE_ONE, TAKE_REPLY } from "./scripts.ts";

/** A message taken for a round, with the exact text it was stored as. */
export interface Taken {
  message: Message;
  raw: string;
  urgent: boolean;
}

/** An entry that could not be used (bad JSON, wrong recipient); it goes to the dead letters. */
export interface Rejected {
  raw: string;
  reason: string;
  urgent: boolean;
}

/** One message taken into flight on its own (library receive): its exact text and its list. */
export interface TakenOne {
  raw: string;
  urgent: boolean;
}

export interface DeadLetter {
  agent_id: string;
  reason: string;
  raw: string;
  at: string;
}

/** Values per variadic push in `sendManyTo` (a bound on one command's size). */
const PUSH_RUN = 1000;

export class Mailbox {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  /** The in-flight list for messages taken from the urgent list (ours, like `inflight`). */
  inflightUrgent(agentId: string): string {
    return this.keys.inflightUrgent(agentId);
  }

  /** Delivers a message: urgent list (front), or the inbox (high/urgent priority in front). */
  async send(message: Message, opts: { urgent?: boolean } = {}): Promise<void> {
    // One command, not a batch of one: this is the library's and the CLI's hot path.
    await this.redis.command([...this.#pushTarget(message, opts), encodeMessage(message)]);
  }

  /** Queues the delivery of `message` in a batch (same rules as `send`). */
  sendTo(batch: WriteBatch, message: Message, opts: { urgent?: boolean } = {}): WriteBatch {
    WriteBatch.queue(batch).add(...this.#pushTarget(message, opts), encodeMessage(message));
    return batch;
  }

  /** The push command and list a message goes to: the urgent list or the inbox, front or back. */
  #pushTarget(message: Message, opts: { urgent?: boolean }): ["LPUSH" | "RPUSH", string] {
    if (opts.urgent) return ["LPUSH", this.keys.urgent(message.to)];
    return [pushesToFront(message.priority) ? "LPUSH" : "RPUSH", this.keys.inbox(message.to)];
  }

  /**
   * Queues the delivery of many messages in a batch, each as `sendTo` would. A run of
   * messages bound for the same list the same way goes out as one variadic LPUSH/RPUSH
   * (Redis pushes its values one after another, exactly as separate commands would), which
   * saves Redis most of the per-command work.
   */
  sendManyTo(
    batch: WriteBatch,
    messages: readonly Message[],
    opts: { urgent?: boolean } = {},
  ): WriteBatch {
    const p = WriteBatch.queue(batch);
    let run: RedisArg[] | undefined;
    for (const message of messages) {
      const [command, key] = this.#pushTarget(message, opts);
      if (run === undefined || run[0] !== command || run[1] !== key || run.length >= PUSH_RUN) {
        if (run) p.add(...run);
        run = [command, key];
      }
      run.push(encodeMessage(message));
    }
    if (run) p.add(...run);
    return batch;
  }

  /** The first `n` waiting messages (inbox only, not consumed) and the inbox length. */
  async peek(
    agentId: string,
    n = 100,
  ): Promise<{ messages: Message[]; total: number; bad: number }> {
    const p = new TypedPipeline(this.redis.pipeline());
    const entriesReply = p.lrange(this.keys.inbox(agentId), 0, n - 1);
    const totalReply = p.llen(this.keys.inbox(agentId));
    await p.exec();
    const [entries, total] = [entriesReply.value, totalReply.value];
    const messages: Message[] = [];
    let bad = 0;
    for (const raw of entries) {
      const r = decodeMessage(raw);
      if (r.ok) messages.push(r.message);
      else bad++;
    }
    return { messages, total, bad };
  }

  /** Inbox, urgent and in-flight counts for many agents in one round trip. */
  async counts(
    agentIds: readonly string[],
  ): Promise<Map<string, { inbox: number; urgent: number; inflight: number }>> {
    const p = new TypedPipeline(this.redis.pipeline());
    const replies = agentIds.map((id) => ({
      id,
      inbox: p.llen(this.keys.inbox(id)),
      urgent: p.llen(this.keys.urgent(id)),
      inflight: p.llen(this.keys.inflight(id)),
      inflightUrgent: p.llen(this.inflightUrgent(id)),
    }));
    await p.exec();
    const out = new Map<string, { inbox: number; urgent: number; inflight: number }>();
    for (const r of replies) {
      out.set(r.id, {
        inbox: r.inbox.value,
        urgent: r.urgent.value,
        inflight: r.inflight.value + r.inflightUrgent.value,
      });
    }
    return out;
  }

  /**
   * Waits (on a dedicated blocking connection) until a message arrives in the inbox, moving
   * it into flight. Returns false on timeout.
   */
  async waitForMessage(
    blocking: RedisClient,
    agentId: string,
    timeoutSec: number,
    options?: SendOptions,
  ): Promise<boolean> {
    const moved = await blocking.blmove(
      this.keys.inbox(agentId),
      this.keys.inflight(agentId),
      "LEFT",
      "RIGHT",
      timeoutSec,
      options,
    );
    return moved !== null;
  }

  /** Moves up to `max` messages (urgent first) into flight; returns all that are in flight. */
  async take(agentId: string, max = 0): Promise<{ taken: Taken[]; rejected: Rejected[] }> {
    const [urgent, regular] = (await this.redis.evalScript(
      TAKE_MESSAGES,
      [
        this.keys.urgent(agentId),
        this.keys.inbox(agentId),
        this.inflightUrgent(agentId),
        this.keys.inflight(agentId),
      ],
      [max],
    )) as [string[], string[]];
    const taken: Taken[] = [];
    const rejected: Rejected[] = [];
    const sort = (raw: string, isUrgent: boolean) => {
      const r = decodeMessage(raw);
      if (!r.ok) rejected.push({ raw, reason: r.reason, urgent: isUrgent });
      else if (r.message.to !== agentId) {
        rejected.push({
          raw,
          reason: `addressed to ${r.message.to}, not ${agentId}`,
          urgent: isUrgent,
        });
      } else taken.push({ message: r.message, raw, urgent: isUrgent });
    };
    for (const raw of urgent) sort(raw, true);
    for (const raw of regular) sort(raw, false);
    return { taken, rejected };
  }

  /**
   * Ends a round: clears the in-flight lists and puts `requeue` back at the front of the
   * lists they came from, in their original order. One transaction, so nothing is lost or
   * doubled if the process dies around it.
   */
  async finish(
    agentId: string,
    requeue: readonly Taken[] = [],
    dead: readonly Rejected[] = [],
  ): Promise<void> {
    const tx = this.redis.multi().add(
      "DEL",
      this.keys.inflight(agentId),
      this.inflightUrgent(agentId),
    );
    const urgent = requeue.filter((t) => t.urgent).map((t) => t.raw).reverse();
    const regular = requeue.filter((t) => !t.urgent).map((t) => t.raw).reverse();
    if (urgent.length) tx.add("LPUSH", this.keys.urgent(agentId), ...urgent);
    if (regular.length) tx.add("LPUSH", this.keys.inbox(agentId), ...regular);
    for (const d of dead) tx.add("LPUSH", this.keys.deadLetters, deadLetter(agentId, d));
    await tx.exec();
  }

  /**
   * Puts messages left in flight by a loop that died back at the front of their lists,
   * marked as redelivered. Returns how many were put back.
   */
  async redeliverInFlight(agentId: string, opts: { mark?: boolean } = {}): Promise<number> {
    return (await this.redis.evalScript(
      REDELIVER,
      [
        this.inflightUrgent(agentId),
        this.keys.inflight(agentId),
        this.keys.urgent(agentId),
        this.keys.inbox(agentId),
      ],
      [opts.mark === false ? "0" : "1"],
    )) as number;
  }

  /** Takes the first waiting message (urgent list first) into flight; null when none waits. */
  async takeOne(agentId: string): Promise<TakenOne | null> {
    const r = await this.redis.evalScript(TAKE_ONE, this.#oneKeys(agentId)) as
      | [number, string]
      | null;
    return r ? { raw: r[1], urgent: r[0] === 1 } : null;
  }

  /**
   * Waits on a dedicated blocking connection until a message arrives in the inbox and moves
   * it into flight; null on timeout (or when the wait is cancelled with CLIENT UNBLOCK).
   */
  async waitTakeOne(
    blocking: RedisClient,
    agentId: string,
    timeoutSec: number,
  ): Promise<TakenOne | null> {
    const raw = await blocking.blmove(
      this.keys.inbox(agentId),
      this.keys.inflight(agentId),
      "LEFT",
      "RIGHT",
      timeoutSec,
    );
    return raw === null ? null : { raw, urgent: false };
  }

  /** Takes the first waiting reply to `correlationId` into flight, leaving other messages. */
  async takeReply(agentId: string, correlationId: string): Promise<TakenOne | null> {
    const r = await this.redis.evalScript(TAKE_REPLY, this.#oneKeys(agentId), [correlationId]) as
      | [number, string]
      | null;
    return r ? { raw: r[1], urgent: r[0] === 1 } : null;
  }

  /**
   * A taken message was handed over: it leaves flight. With `deferWrite`, the removal keeps
   * its place among the connection's commands but may be written a moment later, so a
   * caller that does not wait for it is not held up by the write.
   */
  async settle(
    agentId: string,
    taken: TakenOne,
    options: { deferWrite?: boolean } = {},
  ): Promise<void> {
    const list = taken.urgent ? this.inflightUrgent(agentId) : this.keys.inflight(agentId);
    await this.redis.command(["LREM", list, 1, taken.raw], { deferWrite: options.deferWrite });
  }

  /** A taken message was not handed over: back to the front of its list (if still in flight). */
  async putBack(agentId: string, taken: TakenOne): Promise<boolean> {
    const keys = taken.urgent
      ? [this.inflightUrgent(agentId), this.keys.urgent(agentId)]
      : [this.keys.inflight(agentId), this.keys.inbox(agentId)];
    return (await this.redis.evalScript(RETURN_ONE, keys, [taken.raw])) === 1;
  }

  /** A taken entry cannot be used: out of flight and into the dead letters, in one step. */
  async deadLetterOne(agentId: string, taken: TakenOne, reason: string): Promise<void> {
    const list = taken.urgent ? this.inflightUrgent(agentId) : this.keys.inflight(agentId);
    await this.redis.multi()
      .add("LREM", list, 1, taken.raw)
      .add("LPUSH", this.keys.deadLetters, deadLetter(agentId, { ...taken, reason }))
      .exec();
  }

  /** Every waiting entry of the urgent list and of the inbox, as stored, not consumed. */
  async waitingRaw(agentId: string): Promise<{ urgent: string[]; inbox: string[] }> {
    const p = new TypedPipeline(this.redis.pipeline());
    const urgent = p.lrange(this.keys.urgent(agentId), 0, -1);
    const inbox = p.lrange(this.keys.inbox(agentId), 0, -1);
    await p.exec();
    return { urgent: urgent.value, inbox: inbox.value };
  }

  /** The first `n` waiting messages of the urgent list and of the inbox, not consumed. */
  async peekBoth(agentId: string, n = 100): Promise<{ urgent: Message[]; inbox: Message[] }> {
    const p = new TypedPipeline(this.redis.pipeline());
    const urgentReply = p.lrange(this.keys.urgent(agentId), 0, n - 1);
    const inboxReply = p.lrange(this.keys.inbox(agentId), 0, n - 1);
    await p.exec();
    const [urgent, inbox] = [urgentReply.value, inboxReply.value];
    const decode = (raws: string[]) =>
      raws.map(decodeMessage).flatMap((r) => (r.ok ? [r.message] : []));
    return { urgent: decode(urgent), inbox: decode(inbox) };
  }

  /** Publishes a message on the town's broadcast channel; returns how many listeners got it. */
  async broadcast(message: Message): Promise<number> {
    return await this.redis.publish(this.keys.broadcast, encodeMessage(message));
  }

  /** Subscribes `onRaw` to the town's broadcast channel (the message JSON as published). */
  subscribeBroadcast(subscriber: Subscriber, onRaw: (raw: string) => void): Promise<void> {
    return subscriber.subscribe(this.keys.broadcast, (_channel, raw) => onRaw(raw));
  }

  #oneKeys(agentId: string): string[] {
    return [
      this.keys.urgent(agentId),
      this.keys.inbox(agentId),
      this.inflightUrgent(agentId),
      this.keys.inflight(agentId),
    ];
  }

  async deadLetters(n = 100): Promise<DeadLetter[]> {
    const entries = await this.redis.lrange(this.keys.deadLetters, 0, n - 1);
    const out: DeadLetter[] = [];
    for (const e of entries) {
      try {
        out.push(JSON.parse(e) as DeadLetter);
      } catch {
        out.push({ agent_id: "", reason: "unreadable dead letter", raw: e, at: "" });
      }
    }
    return out;
  }

  async addDeadLetters(agentId: string, dead: readonly Rejected[]): Promise<void> {
    if (dead.length === 0) return;
    await this.redis.lpush(this.keys.deadLetters, ...dead.map((d) => deadLetter(agentId, d)));
  }
}

function deadLetter(agentId: string, d: Rejected): string {
  const entry: DeadLetter = {
    agent_id: agentId,
    reason: d.reason,
    raw: d.raw,
    at: jsonTime(new Date()),
  };
  return JSON.stringify(entry);
}
