/**
 * One socket to Redis: writes commands, reads replies, and matches them in order.
 *
 * Commands sent while a write is in progress are coalesced into the next write, so callers
 * that fire many commands at once get pipelining for free. A broken socket rejects every
 * command still waiting with a RedisConnectionError; nothing is left hanging.
 */
import { encodeCommands, type RedisArg, RespParser, type RespValue } from "./resp.ts";
import {
  RedisClosedError,
  RedisConnectionError,
  RedisReplyError,
  RedisTimeoutError,
} from "./errors.ts";
import { describeEndpoint, type Endpoint } from "./url.ts";

interface Pending {
  /** Replies still expected for this entry (1 for a single command). */
  left: number;
  /** Collected replies for a batch; undefined for a single command. */
  replies?: RespValue[];
  resolve(value: RespValue | RespValue[]): void;
  reject(err: Error): void;
}

export interface SendOptions {
  /** Aborting closes the connection (its reply stream cannot be resynchronised otherwise). */
  signal?: AbortSignal;
}

export class RedisConnection {
  readonly endpoint: Endpoint;
  #conn: Deno.Conn;
  #parser = new RespParser();
  #pending: Pending[] = [];
  #head = 0;
  #writeQueue: Uint8Array[] = [];
  #writing = false;
  #error: Error | undefined;
  #readDone: Promise<void>;
  /** Receives replies that no command is waiting for (pub/sub messages). */
  onPush: ((value: RespValue) => void) | undefined;
  /** Called once when the connection ends, with the reason. */
  onClose: ((err: Error) => void) | undefined;

  private constructor(conn: Deno.Conn, endpoint: Endpoint) {
    this.#conn = conn;
    this.endpoint = endpoint;
    this.#readDone = this.#readLoop();
  }

  static async open(endpoint: Endpoint, timeoutMs = 5000): Promise<RedisConnection> {
    const connecting = dial(endpoint);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RedisTimeoutError(
              `timed out after ${timeoutMs} ms connecting to ${describeEndpoint(endpoint)}`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      const conn = await Promise.race([connecting, timeout]);
      return new RedisConnection(conn, endpoint);
    } catch (err) {
      // A connect that completes after the timeout must not leak its socket.
      connecting.then((c) => c.close(), () => {});
      if (err instanceof RedisTimeoutError) throw err;
      throw new RedisConnectionError(
        `cannot connect to Redis at ${describeEndpoint(endpoint)}: ${reason(err)}`,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** True once the connection has failed or been closed. */
  get closed(): boolean {
    return this.#error !== undefined;
  }

  /** Number of commands (or batches) waiting for replies. */
  get inFlight(): number {
    return this.#pending.length - this.#head;
  }

  /** Sends one command. Resolves with its reply; an error reply rejects with RedisReplyError. */
  send(args: readonly RedisArg[], options?: SendOptions): Promise<RespValue> {
    return this.#submit([args], false, options) as Promise<RespValue>;
  }

  /** Sends commands in one write. Resolves with every reply in order; error replies are values. */
  sendBatch(
    commands: readonly (readonly RedisArg[])[],
    options?: SendOptions,
  ): Promise<RespValue[]> {
    if (commands.length === 0) return Promise.resolve([]);
    return this.#submit(commands, true, options) as Promise<RespValue[]>;
  }

  #submit(
    commands: readonly (readonly RedisArg[])[],
    batch: boolean,
    options?: SendOptions,
  ): Promise<RespValue | RespValue[]> {
    if (this.#error) return Promise.reject(this.#error);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    let bytes: Uint8Array;
    try {
      bytes = encodeCommands(commands);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const done = () => signal && onAbort && signal.removeEventListener("abort", onAbort);
      this.#pending.push({
        left: commands.length,
        replies: batch ? [] : undefined,
        resolve: (v) => {
          done();
          resolve(v);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      if (signal) {
        onAbort = () => this.#fail(abortError(signal));
        signal.addEventListener("abort", onAbort, { once: true });
      }
      this.#writeQueue.push(bytes);
      if (!this.#writing) this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#writeQueue.length > 0 && !this.#error) {
        const queue = this.#writeQueue;
        this.#writeQueue = [];
        const data = queue.length === 1 ? queue[0] : concat(queue);
        let offset = 0;
        while (offset < data.length) {
          offset += await this.#conn.write(data.subarray(offset));
        }
      }
    } catch (err) {
      this.#fail(
        new RedisConnectionError(
          `lost connection to Redis at ${describeEndpoint(this.endpoint)}: ${reason(err)}`,
          { cause: err },
        ),
      );
    } finally {
      this.#writing = false;
    }
  }

  async #readLoop(): Promise<void> {
    const buf = new Uint8Array(256 * 1024);
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        const replies = this.#parser.push(buf.subarray(0, n));
        for (let i = 0; i < replies.length; i++) this.#dispatch(replies[i]);
      }
      this.#fail(
        new RedisConnectionError(
          `Redis at ${describeEndpoint(this.endpoint)} closed the connection`,
        ),
      );
    } catch (err) {
      this.#fail(
        this.#error ?? new RedisConnectionError(
          `lost connection to Redis at ${describeEndpoint(this.endpoint)}: ${reason(err)}`,
          { cause: err },
        ),
      );
    }
  }

  #dispatch(value: RespValue): void {
    const entry = this.#pending[this.#head];
    if (!entry) {
      if (this.onPush) this.onPush(value);
      return;
    }
    if (entry.replies) {
      entry.replies.push(value);
      if (--entry.left > 0) return;
    }
    this.#pending[this.#head++] = undefined as unknown as Pending;
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    if (entry.replies) entry.resolve(entry.replies);
    else if (value instanceof RedisReplyError) entry.reject(value);
    else entry.resolve(value);
  }

  /** Ends the connection with `err`: every waiting command is rejected with it. */
  #fail(err: Error): void {
    if (this.#error) return;
    this.#error = err;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    const pending = this.#pending.slice(this.#head);
    this.#pending = [];
    this.#head = 0;
    this.#writeQueue = [];
    for (const p of pending) p.reject(err);
    this.onClose?.(err);
  }

  /** Closes the socket; commands still waiting reject with RedisClosedError. */
  async close(): Promise<void> {
    this.#fail(new RedisClosedError("Redis connection closed"));
    await this.#readDone;
  }
}

async function dial(endpoint: Endpoint): Promise<Deno.Conn> {
  switch (endpoint.kind) {
    case "unix":
      return await Deno.connect({ transport: "unix", path: endpoint.path });
    case "tcp": {
      const conn = await Deno.connect({ hostname: endpoint.hostname, port: endpoint.port });
      conn.setNoDelay(true);
      return conn;
    }
    case "tls":
      return await Deno.connectTls({
        hostname: endpoint.hostname,
        port: endpoint.port,
        ...(endpoint.caCerts ? { caCerts: endpoint.caCerts } : {}),
      });
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function abortError(signal: AbortSignal): RedisClosedError {
  const why = signal.reason instanceof Error ? signal.reason.message : "aborted";
  return new RedisClosedError(`Redis command cancelled: ${why}`);
}

function reason(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) return "socket not found";
  if (err instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (err instanceof Error) return err.message.split("\n")[0];
  return String(err);
}
