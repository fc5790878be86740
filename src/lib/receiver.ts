/**
 * Taking messages out of a mailbox for a library caller, without losing one.
 *
 * A message is never popped: it is moved into the mailbox's in-flight list (the agent loop's
 * own at-least-once scheme, src/store/mailbox.ts) and removed from there once it has been
 * handed to the caller. If the caller gives up while a blocking wait is under way (its signal
 * aborts, or the Channel closes), the wait is cancelled on the server with CLIENT UNBLOCK and
 * its reply awaited, so there is no moment when Redis may still move a message nobody takes:
 * a message moved meanwhile goes back to the front of the inbox. If the connection breaks or
 * the process dies in between, the message stays in flight, where tt's recovery (an agent
 * loop's start, `tt recover`, `Channel.redeliverInFlight`) puts it back — never lost, at worst
 * delivered twice.
 *
 * Blocking waits run on dedicated connections (one per concurrent wait, kept for reuse), so
 * they never hold up the town's command connection.
 */
import { RedisClosedError } from "../redis/errors.ts";
import type { RedisClient } from "../redis/client.ts";
import { decodeMessage, type Message } from "../model/message.ts";
import type { TakenOne } from "../store/mailbox.ts";
import type { Store } from "../store/store.ts";
import { sleep } from "../sleep.ts";

/**
 * How long one blocking wait lasts before the urgent list is looked at again: BLMOVE watches
 * one list, the inbox, and an urgent message must not wait for the whole timeout (the agent
 * loop checks just as often).
 */
const URGENT_CHECK_MS = 1000;
/** Longest pause between two looks for a reply. */
const REPLY_POLL_MAX_MS = 100;

interface Blocking {
  client: RedisClient;
  /** CLIENT ID, for CLIENT UNBLOCK. */
  id: number;
}

export class Receiver {
  readonly #store: Store;
  #idle: Blocking[] = [];
  #all = new Set<Blocking>();
  /** Removals from flight sent without waiting; close() waits for them. */
  #settling = new Set<Promise<void>>();
  /** Receives under way; close() waits for them to put back what they hold. */
  #active = new Set<Promise<unknown>>();
  #closing = new AbortController();

  constructor(store: Store) {
    this.#store = store;
  }

  /** Waits up to `timeoutMs` (0 = no limit) for the next message; urgent ones come first. */
  receive(agentId: string, timeoutMs: number, signal?: AbortSignal): Promise<Message | null> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new RangeError(`timeoutMs must be >= 0, got ${timeoutMs}`));
    }
    return this.#run(async () => {
      const deadline = timeoutMs === 0 ? Infinity : Date.now() + timeoutMs;
      for (;;) {
        this.#throwIfStopped(signal);
        const ready = await this.tryReceive(agentId);
        if (ready) return ready;
        const left = deadline - Date.now();
        if (left <= 0) return null;
        const got = await this.#blockOnce(agentId, Math.min(left, URGENT_CHECK_MS), signal);
        if (got) return got;
      }
    });
  }

  /** The next waiting message (urgent first), or null at once when none waits. */
  async tryReceive(agentId: string): Promise<Message | null> {
    this.#throwIfStopped();
    for (;;) {
      const taken = await this.#store.mailbox.takeOne(agentId);
      if (!taken) return null;
      const message = await this.#accept(agentId, taken);
      if (message) return message;
    }
  }

  /** Waits for the reply to `correlationId` (other messages stay); null at the deadline. */
  waitReply(
    agentId: string,
    correlationId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Message | null> {
    return this.#run(async () => {
      const deadline = timeoutMs === 0 ? Infinity : Date.now() + timeoutMs;
      const stop = anySignal(signal, this.#closing.signal);
      for (let pause = 2;; pause = Math.min(pause * 2, REPLY_POLL_MAX_MS)) {
        this.#throwIfStopped(signal);
        const taken = await this.#store.mailbox.takeReply(agentId, correlationId);
        if (taken) {
          const message = await this.#accept(agentId, taken);
          if (message) return message;
          continue;
        }
        const left = deadline - Date.now();
        if (left <= 0) return null;
        await sleep(Math.min(pause, left), stop);
      }
    });
  }

  /**
   * Cancels every wait (they reject with RedisClosedError after putting back what they
   * held), then closes the blocking connections. The command connection must still be open.
   */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.allSettled([...this.#active]);
    await Promise.allSettled([...this.#settling]);
    const all = [...this.#all];
    this.#all.clear();
    this.#idle = [];
    await Promise.allSettled(all.map((b) => b.client.close()));
  }

  #run<T>(op: () => Promise<T>): Promise<T> {
    const p = op();
    this.#active.add(p);
    const forget = () => this.#active.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** One blocking wait on the inbox; a message, or null (timeout, or an unusable entry). */
  async #blockOnce(
    agentId: string,
    ms: number,
    signal: AbortSignal | undefined,
  ): Promise<Message | null> {
    const conn = await this.#acquire();
    let settled = false;
    let cancelled: Promise<void> | undefined;
    const cancel = () => {
      cancelled ??= this.#unblock(conn, () => settled);
    };
    signal?.addEventListener("abort", cancel, { once: true });
    this.#closing.signal.addEventListener("abort", cancel, { once: true });
    if (signal?.aborted || this.#closing.signal.aborted) cancel();
    let healthy = true;
    try {
      let taken: TakenOne | null;
      try {
        // Never below 10 ms: Redis reads a timeout of 0 as "forever".
        taken = await this.#store.mailbox.waitTakeOne(
          conn.client,
          agentId,
          Math.max(ms, 10) / 1000,
        );
      } catch (err) {
        healthy = false;
        throw err;
      } finally {
        settled = true;
      }
      if (cancelled) {
        await cancelled;
        if (taken) await this.#store.mailbox.putBack(agentId, taken);
        this.#throwIfStopped(signal);
        return null;
      }
      return taken ? await this.#accept(agentId, taken) : null;
    } finally {
      signal?.removeEventListener("abort", cancel);
      this.#closing.signal.removeEventListener("abort", cancel);
      // A late UNBLOCK must land before the connection serves the next wait.
      if (cancelled) await cancelled;
      this.#release(conn, healthy);
    }
  }

  /**
   * Cancels a blocking wait on the server. An UNBLOCK that reaches Redis before the wait
   * itself (they travel on different connections) does nothing, so it is repeated until the
   * wait has ended one way or the other.
   */
  async #unblock(conn: Blocking, ended: () => boolean): Promise<void> {
    const connections = this.#store.connections;
    try {
      while (!ended()) {
        if ((await connections.unblock(conn.id)) || ended()) return;
        await sleep(20);
      }
    } catch {
      // The command connection is gone too: the wait ends with its own error.
    }
  }

  /**
   * A taken entry: a message for this mailbox is handed over (its removal from flight is
   * sent without waiting); anything else goes to the dead letters.
   */
  async #accept(agentId: string, taken: TakenOne): Promise<Message | null> {
    const decoded = decodeMessage(taken.raw);
    const reason = !decoded.ok
      ? decoded.reason
      : decoded.message.to !== agentId
      ? `addressed to ${decoded.message.to}, not ${agentId}`
      : undefined;
    if (reason !== undefined || !decoded.ok) {
      await this.#store.mailbox.deadLetterOne(agentId, taken, reason ?? "unreadable");
      return null;
    }
    // Queued now but not awaited, and written on the next turn of the event loop (or with
    // the next command), so the removal costs the caller no time; close() waits for it.
    // Queued at once: commands on a connection run in order, so every later command of this
    // Channel (the next receive, a count, redeliverInFlight) sees the message out of flight;
    // a removal queued later could come after them, and a redelivery meanwhile would hand
    // the message out a second time.
    const settling = this.#store.mailbox.settle(agentId, taken, { deferWrite: true })
      .catch(() => {
        // Still in flight: recovery puts it back, so it may come twice, never not at all.
      });
    this.#settling.add(settling);
    settling.finally(() => this.#settling.delete(settling));
    return decoded.message;
  }

  async #acquire(): Promise<Blocking> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    const client = await this.#store.connections.dedicated();
    try {
      const id = await this.#store.connections.clientId(client);
      const conn = { client, id };
      this.#all.add(conn);
      return conn;
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  #release(conn: Blocking, healthy: boolean): void {
    if (healthy && !this.#closing.signal.aborted) {
      this.#idle.push(conn);
      return;
    }
    this.#all.delete(conn);
    conn.client.close().catch(() => {});
  }

  #throwIfStopped(signal?: AbortSignal): void {
    if (this.#closing.signal.aborted) throw new RedisClosedError("the Channel is closed");
    if (signal?.aborted) throw signal.reason ?? new DOMException("aborted", "AbortError");
  }
}

/** A signal that aborts when any of the given ones does. */
function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}
