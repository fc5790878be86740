/**
 * Live feeds as async iterables: the town's broadcast channel (pub/sub) and its event stream
 * (XREAD BLOCK). Each runs on its own connection, which `close()` (or leaving a `for await`
 * early, or `await using`) closes.
 */
import { decodeMessage, type Message } from "../model/message.ts";
import { RedisClosedError } from "../redis/errors.ts";
import type { RedisClient } from "../redis/client.ts";
import type { Subscriber } from "../redis/pubsub.ts";
import type { StoredEvent } from "../store/events.ts";
import type { Store } from "../store/store.ts";

/** A queue that producers push into and one consumer iterates; it ends once, maybe with an error. */
class Feed<T> {
  #items: T[] = [];
  #waiting: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;
  #ended = false;
  #error: unknown;

  push(item: T): void {
    if (this.#ended) return;
    const w = this.#waiting;
    this.#waiting = undefined;
    if (w) w.resolve({ value: item, done: false });
    else this.#items.push(item);
  }

  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    const w = this.#waiting;
    this.#waiting = undefined;
    if (!w) return;
    if (error === undefined) w.resolve({ value: undefined, done: true });
    else w.reject(error);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) {
      return Promise.resolve({ value: this.#items.shift()!, done: false });
    }
    if (this.#ended) {
      const error = this.#error;
      this.#error = undefined; // reported once; later calls just end
      return error === undefined
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(error);
    }
    if (this.#waiting) return Promise.reject(new Error("next() called before the last resolved"));
    return new Promise((resolve, reject) => this.#waiting = { resolve, reject });
  }
}

/**
 * Messages published on the town's broadcast channel (`tt:{town}:broadcast`) from the moment
 * the subscription was confirmed, in order. Entries that are not messages are skipped. It
 * ends when closed; a lost connection ends it with that error.
 */
export class BroadcastSubscription implements AsyncIterable<Message>, AsyncDisposable {
  #subscriber: Subscriber;
  #feed = new Feed<Message>();
  #onClose: (self: BroadcastSubscription) => void;
  #closing: Promise<void> | undefined;

  /** @internal */
  constructor(subscriber: Subscriber, onClose: (self: BroadcastSubscription) => void) {
    this.#subscriber = subscriber;
    this.#onClose = onClose;
    subscriber.done.then((err) => {
      this.#feed.end(this.#closing ? undefined : err);
      this.#onClose(this);
    });
  }

  /** @internal Opens the subscriber connection and subscribes before returning. */
  static async open(
    store: Store,
    onClose: (self: BroadcastSubscription) => void,
  ): Promise<BroadcastSubscription> {
    const subscriber = await store.connections.subscriber();
    const sub = new BroadcastSubscription(subscriber, onClose);
    try {
      await store.mailbox.subscribeBroadcast(subscriber, (raw) => sub.#onRaw(raw));
    } catch (err) {
      await sub.close();
      throw err;
    }
    return sub;
  }

  /** The next broadcast message; `done` once the subscription is closed. */
  next(): Promise<IteratorResult<Message>> {
    return this.#feed.next();
  }

  /** Iterates the messages; leaving the loop early closes the subscription. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /** Unsubscribes and closes the connection; messages already received can still be read. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#feed.end();
      // Confirmed before the connection goes, so no later broadcast still counts this listener.
      await this.#subscriber.unsubscribe().catch(() => {});
      await this.#subscriber.close();
    })();
    return this.#closing;
  }

  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #onRaw(raw: string): void {
    const r = decodeMessage(raw);
    if (r.ok) this.#feed.push(r.message);
  }
}

/** Where an event feed starts and which stream it reads. */
export interface EventFeedOptions {
  /** An agent id: that agent's stream instead of the town's. */
  agentId?: string;
  /** Start after this stream entry id (default: only events added from now on). */
  after?: string;
}

/**
 * Events as they are added to the town's (or one agent's) event stream, oldest first, each
 * with its stream entry id. Runs XREAD BLOCK on its own connection until closed.
 */
export class EventFeed implements AsyncIterable<StoredEvent>, AsyncDisposable {
  #feed = new Feed<StoredEvent>();
  #stop = new AbortController();
  #running: Promise<void>;

  /** @internal */
  constructor(store: Store, client: RedisClient, cursor: string, agentId: string | undefined) {
    this.#running = this.#pump(store, client, cursor, agentId);
  }

  /** @internal Opens the connection and fixes the starting point before returning. */
  static async open(
    store: Store,
    options: EventFeedOptions,
    onClose: (self: EventFeed) => void,
  ): Promise<EventFeed> {
    const client = await store.connections.dedicated();
    let cursor = options.after;
    if (cursor === undefined) {
      try {
        cursor = await store.events.lastId(options.agentId);
      } catch (err) {
        await client.close();
        throw err;
      }
    }
    const feed = new EventFeed(store, client, cursor, options.agentId);
    feed.#running.finally(() => onClose(feed));
    return feed;
  }

  /** The next event; `done` once the feed is closed. */
  next(): Promise<IteratorResult<StoredEvent>> {
    return this.#feed.next();
  }

  /** Iterates the events; leaving the loop early closes the feed. */
  [Symbol.asyncIterator](): AsyncIterator<StoredEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /** Stops reading and closes the connection. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #pump(
    store: Store,
    client: RedisClient,
    cursor: string,
    agentId: string | undefined,
  ): Promise<void> {
    const signal = this.#stop.signal;
    try {
      while (!signal.aborted) {
        const read = await store.events.readAfter(
          cursor,
          { count: 100, blockMs: 5000, client, ...(agentId ? { agentId } : {}) },
          { signal },
        );
        cursor = read.cursor;
        for (const e of read.events) this.#feed.push(e);
      }
      this.#feed.end();
    } catch (err) {
      // Aborting closes the connection mid-command: that is the normal end.
      this.#feed.end(signal.aborted || err instanceof RedisClosedError ? undefined : err);
    } finally {
      await client.close();
    }
  }
}
