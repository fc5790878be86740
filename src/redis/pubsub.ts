/**
 * Pub/sub on a dedicated connection. Once subscribed, a RESP2 connection only carries
 * confirmations and messages, which arrive in no fixed relation to the commands sent, so the
 * subscriber writes its commands unmatched and sorts every reply itself: confirmations settle
 * the oldest waiting (un)subscribe call, messages go to the handlers of their channel/pattern.
 */
import { RedisConnection } from "./connection.ts";
import { RedisClosedError, RedisReplyError } from "./errors.ts";
import { type RespValue, utf8 } from "./resp.ts";
import { type ConnectOptions, parseRedisUrl } from "./url.ts";

/** Called for each message on a subscribed channel. */
export type MessageHandler = (channel: string, message: string) => void;
/** Called for each message on a channel matching a subscribed pattern. */
export type PatternHandler = (pattern: string, channel: string, message: string) => void;

export interface SubscriberOptions {
  /**
   * Receives errors thrown by handlers. Without it they are re-thrown outside the
   * subscriber (via `reportError`), like any uncaught error, so bugs are not swallowed.
   */
  onHandlerError?: (err: unknown) => void;
}

type Kind = "subscribe" | "unsubscribe" | "psubscribe" | "punsubscribe";

interface Waiter {
  kind: Kind;
  /** Confirmations still expected: Redis sends one per channel or pattern named. */
  left: number;
  resolve(): void;
  reject(err: Error): void;
}

export class Subscriber {
  #conn: RedisConnection;
  #options: SubscriberOptions;
  #waiters: Waiter[] = [];
  #channels = new Map<string, Set<MessageHandler>>();
  #patterns = new Map<string, Set<PatternHandler>>();
  #endedWith: Error | undefined;
  /** Resolves with the reason once the connection has ended (closed, or lost). */
  readonly done: Promise<Error>;

  private constructor(conn: RedisConnection, options: SubscriberOptions) {
    this.#conn = conn;
    this.#options = options;
    conn.onPush = (value) => this.#onReply(value);
    this.done = new Promise((resolve) => {
      conn.onClose = (err) => {
        this.#endedWith = err;
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const w of waiters) w.reject(err);
        resolve(err);
      };
      if (conn.closed) conn.onClose(new RedisClosedError("Redis subscriber connection ended"));
    });
  }

  /** Opens a subscriber connection (AUTH and SELECT as for a client). */
  static async connect(
    options: ConnectOptions | string,
    subscriberOptions: SubscriberOptions = {},
  ): Promise<Subscriber> {
    const opts = typeof options === "string" ? parseRedisUrl(options) : options;
    return new Subscriber(await RedisConnection.connect(opts), subscriberOptions);
  }

  /** True once the connection has ended. */
  get closed(): boolean {
    return this.#conn.closed;
  }

  /** Channels currently subscribed. */
  get channels(): string[] {
    return [...this.#channels.keys()];
  }

  /** Patterns currently subscribed. */
  get patterns(): string[] {
    return [...this.#patterns.keys()];
  }

  /** Subscribes `handler` to the channels; resolves once Redis confirmed every one. */
  subscribe(channels: string | readonly string[], handler: MessageHandler): Promise<void> {
    const names = typeof channels === "string" ? [channels] : [...channels];
    for (const name of names) addHandler(this.#channels, name, handler);
    return this.#request("subscribe", names);
  }

  /** Subscribes `handler` to glob patterns (`tt:*:events`); resolves once confirmed. */
  psubscribe(patterns: string | readonly string[], handler: PatternHandler): Promise<void> {
    const names = typeof patterns === "string" ? [patterns] : [...patterns];
    for (const name of names) addHandler(this.#patterns, name, handler);
    return this.#request("psubscribe", names);
  }

  /** Drops the channels (all of them when none are named) and their handlers. */
  unsubscribe(...channels: string[]): Promise<void> {
    const names = channels.length > 0 ? channels : this.channels;
    for (const name of names) this.#channels.delete(name);
    return this.#request("unsubscribe", names);
  }

  /** Drops the patterns (all of them when none are named) and their handlers. */
  punsubscribe(...patterns: string[]): Promise<void> {
    const names = patterns.length > 0 ? patterns : this.patterns;
    for (const name of names) this.#patterns.delete(name);
    return this.#request("punsubscribe", names);
  }

  /** Closes the connection; (un)subscribe calls still waiting reject with RedisClosedError. */
  async close(): Promise<void> {
    this.#channels.clear();
    this.#patterns.clear();
    await this.#conn.close();
  }

  #request(kind: Kind, names: string[]): Promise<void> {
    if (names.length === 0) return Promise.resolve();
    if (this.#conn.closed) {
      return Promise.reject(this.#endedWith ?? new RedisClosedError("Redis subscriber is closed"));
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ kind, left: names.length, resolve, reject });
      try {
        this.#conn.sendUnmatched([[kind.toUpperCase(), ...names]]);
      } catch (err) {
        this.#waiters.pop();
        reject(err);
      }
    });
  }

  #onReply(value: RespValue): void {
    if (value instanceof RedisReplyError) {
      // Redis refused a command; replies come in command order, so it was the oldest one.
      this.#waiters.shift()?.reject(value);
      return;
    }
    if (!Array.isArray(value) || value.length < 3) return;
    const kind = text(value[0]);
    if (kind === "message") {
      const channel = text(value[1]);
      const handlers = this.#channels.get(channel);
      if (handlers) {
        const message = text(value[2]);
        // A copy: a handler subscribed by one of these must not get this (earlier) message.
        for (const h of [...handlers]) this.#call(() => h(channel, message));
      }
      return;
    }
    if (kind === "pmessage" && value.length >= 4) {
      const pattern = text(value[1]);
      const handlers = this.#patterns.get(pattern);
      if (handlers) {
        const channel = text(value[2]);
        const message = text(value[3]);
        for (const h of [...handlers]) this.#call(() => h(pattern, channel, message));
      }
      return;
    }
    const waiter = this.#waiters[0];
    if (waiter && waiter.kind === kind && --waiter.left === 0) {
      this.#waiters.shift();
      waiter.resolve();
    }
  }

  #call(run: () => void): void {
    try {
      run();
    } catch (err) {
      if (this.#options.onHandlerError) this.#options.onHandlerError(err);
      else reportError(err);
    }
  }
}

function addHandler<H>(map: Map<string, Set<H>>, name: string, handler: H): void {
  let set = map.get(name);
  if (!set) map.set(name, set = new Set());
  set.add(handler);
}

function text(value: RespValue): string {
  if (value instanceof Uint8Array) return utf8(value);
  return typeof value === "string" ? value : String(value);
}
