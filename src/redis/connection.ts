/**
 * One socket to Redis: writes commands, reads replies, and matches them in order.
 *
 * Commands issued while a write is in progress are coalesced into the next write, so callers
 * that fire many commands at once get pipelining for free. A broken socket rejects every
 * command still waiting with a RedisConnectionError; nothing is left hanging.
 */
import { CommandBuffer, type RedisArg, RespParser, type RespValue } from "./resp.ts";
import {
  RedisAuthError,
  RedisClosedError,
  RedisConnectionError,
  RedisLoadingError,
  RedisReplyError,
  RedisTimeoutError,
} from "./errors.ts";
import { type ConnectOptions, describeEndpoint, type Endpoint } from "./url.ts";

interface Pending {
  /** Replies still expected for this entry (1 for a single command). */
  left: number;
  /** Collected replies for a batch; undefined for a single command. */
  replies: RespValue[] | undefined;
  /** Decode bulk strings as UTF-8 while parsing. */
  decode: boolean;
  resolve(value: RespValue | RespValue[]): void;
  reject(err: Error): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export interface SendOptions {
  /** Aborting closes the connection (its reply stream cannot be resynchronised otherwise). */
  signal?: AbortSignal;
  /**
   * The command joins the write buffer at once, so it keeps its place in the order of the
   * connection's commands, but its write may wait for the event loop's next turn (it goes
   * out sooner with any command sent meanwhile). For housekeeping whose caller does not wait
   * for it, so that the caller's next step does not pay for a write first.
   */
  deferWrite?: boolean;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

function isLoading(reply: RespValue | undefined): boolean {
  return reply instanceof RedisReplyError && reply.code === "LOADING";
}

export class RedisConnection {
  readonly endpoint: Endpoint;
  #conn: Deno.Conn;
  #parser = new RespParser();
  #pending: Pending[] = [];
  #head = 0;
  #out = new CommandBuffer();
  #writing = false;
  /** A deferred flush is scheduled. */
  #flushSoon = false;
  #error: Error | undefined;
  #readDone: Promise<void>;
  /** Receives replies that no command is waiting for (pub/sub messages), undecoded. */
  onPush: ((value: RespValue) => void) | undefined;
  /** Called once when the connection ends, with the reason. */
  onClose: ((err: Error) => void) | undefined;

  private constructor(conn: Deno.Conn, endpoint: Endpoint) {
    this.#conn = conn;
    this.endpoint = endpoint;
    this.#readDone = this.#readLoop();
  }

  /** Opens the socket only (no AUTH or SELECT). */
  static async open(
    endpoint: Endpoint,
    timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
  ): Promise<RedisConnection> {
    const connecting = dial(endpoint);
    let cancelTimer = () => {};
    const timeout = new Promise<never>((_, reject) => {
      cancelTimer = onTimeout(timeoutMs, () => {
        const where = describeEndpoint(endpoint);
        reject(new RedisTimeoutError(`timed out after ${timeoutMs} ms connecting to ${where}`));
      });
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
        { cause: err, reason: reason(err) },
      );
    } finally {
      cancelTimer();
    }
  }

  /**
   * Opens the socket and introduces the client (AUTH, SELECT in one write). The whole of it
   * must finish within `connectTimeoutMs`, so a peer that accepts but never answers fails
   * with RedisTimeoutError instead of hanging. With `loadingTimeoutMs`, a PING goes along and
   * a server still loading its data (it answers LOADING to nearly every command) is waited for
   * here: every connection, first or after a reconnect, passes through this, so no command on
   * an open connection meets LOADING from a server that was just (re)started.
   */
  static async connect(opts: ConnectOptions): Promise<RedisConnection> {
    const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const started = Date.now();
    const conn = await RedisConnection.open(opts.endpoint, timeoutMs);
    const hello: RedisArg[][] = [];
    if (opts.password !== undefined) {
      hello.push(opts.username ? ["AUTH", opts.username, opts.password] : ["AUTH", opts.password]);
    }
    if (opts.db !== undefined && opts.db !== 0) hello.push(["SELECT", opts.db]);
    if (opts.clientName !== undefined) hello.push(["CLIENT", "SETNAME", opts.clientName]);
    const waitLoading = opts.loadingTimeoutMs !== undefined;
    const sent = waitLoading ? [...hello, ["PING"]] : hello;
    if (sent.length === 0) return conn;
    const where = describeEndpoint(opts.endpoint);
    const what = sent.map((c) => c[0]).join("/");
    const cancelTimer = onTimeout(Math.max(1, timeoutMs - (Date.now() - started)), () => {
      conn.destroy(
        new RedisTimeoutError(
          `timed out after ${timeoutMs} ms waiting for Redis at ${where} to answer ${what}`,
        ),
      );
    });
    try {
      const replies = await conn.sendBatch(sent);
      cancelTimer();
      hello.forEach((cmd, i) => {
        const reply = replies[i];
        if (!(reply instanceof RedisReplyError)) return;
        if (cmd[0] === "AUTH" && /WRONGPASS|pass|auth/i.test(reply.text)) {
          throw new RedisAuthError(`Redis authentication failed at ${where}: ${reply.text}`);
        }
        const what = cmd[0] === "AUTH" ? "AUTH" : cmd.join(" ");
        throw new RedisConnectionError(`Redis at ${where} refused ${what}: ${reply.text}`);
      });
      // Any other refusal of the PING (NOAUTH without a password) is for the commands to meet.
      if (waitLoading && isLoading(replies[hello.length])) await conn.#waitLoaded(opts, where);
      return conn;
    } catch (err) {
      await conn.close();
      throw err;
    } finally {
      cancelTimer();
    }
  }

  /** Polls PING until the server no longer answers LOADING, or fails at the deadline. */
  async #waitLoaded(opts: ConnectOptions, where: string): Promise<void> {
    const limitMs = opts.loadingTimeoutMs ?? 0;
    const deadline = Date.now() + limitMs;
    for (let delay = 10;; delay = Math.min(delay * 2, 200)) {
      if (Date.now() + delay > deadline) {
        throw new RedisLoadingError(
          `Redis at ${where} was still loading its data after ${limitMs / 1000} s`,
        );
      }
      await new Promise((r) => setTimeout(r, delay));
      const [reply] = await this.sendBatch([["PING"]]);
      if (!isLoading(reply)) return;
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

  /**
   * Sends one command. Resolves with its reply; an error reply rejects with RedisReplyError.
   * With `decode`, bulk strings arrive as UTF-8 text instead of bytes.
   */
  send(args: readonly RedisArg[], options?: SendOptions, decode = false): Promise<RespValue> {
    if (this.#error) return Promise.reject(this.#error);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    try {
      this.#out.append(args);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#expect(1, undefined, decode, signal, options?.deferWrite) as Promise<RespValue>;
  }

  /** Sends commands in one write. Resolves with every reply in order; error replies are values. */
  sendBatch(
    commands: readonly (readonly RedisArg[])[],
    options?: SendOptions,
    decode = false,
  ): Promise<RespValue[]> {
    if (commands.length === 0) return Promise.resolve([]);
    if (this.#error) return Promise.reject(this.#error);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const mark = this.#out.length;
    try {
      for (const args of commands) this.#out.append(args);
    } catch (err) {
      this.#out.truncate(mark);
      return Promise.reject(err);
    }
    return this.#expect(commands.length, [], decode, signal) as Promise<RespValue[]>;
  }

  /**
   * Writes commands without waiting for replies: whatever Redis answers goes to `onPush`.
   * For connections in pub/sub mode, whose replies are not one per command.
   */
  sendUnmatched(commands: readonly (readonly RedisArg[])[]): void {
    if (this.#error) throw this.#error;
    const mark = this.#out.length;
    try {
      for (const args of commands) this.#out.append(args);
    } catch (err) {
      this.#out.truncate(mark);
      throw err;
    }
    this.#scheduleFlush();
  }

  #expect(
    left: number,
    replies: RespValue[] | undefined,
    decode: boolean,
    signal: AbortSignal | undefined,
    deferWrite = false,
  ): Promise<RespValue | RespValue[]> {
    return new Promise((resolve, reject) => {
      const entry: Pending = { left, replies, decode, resolve, reject, signal, onAbort: undefined };
      if (signal) {
        entry.onAbort = () => this.#fail(abortError(signal));
        signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      this.#pending.push(entry);
      if (deferWrite) this.#scheduleDeferredFlush();
      else this.#scheduleFlush();
    });
  }

  /**
   * Starts a write unless one is in progress; commands issued meanwhile pile up in the
   * buffer and go out together in the next write. (Deferring the first write to a microtask
   * to batch a burst measured slower for the common one-command-at-a-time case.)
   */
  #scheduleFlush(): void {
    if (!this.#writing) this.#flush();
  }

  /**
   * A flush on the event loop's next turn (a write under way takes the bytes anyway). The
   * timer does not keep the process alive, but the connection's pending read does, so the
   * bytes go out before a program that still holds the connection can end.
   */
  #scheduleDeferredFlush(): void {
    if (this.#writing || this.#flushSoon) return;
    this.#flushSoon = true;
    onTimeout(0, () => {
      this.#flushSoon = false;
      if (!this.#error) this.#scheduleFlush();
    });
  }

  async #flush(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#out.length > 0 && !this.#error) {
        const data = this.#out.take();
        let offset = 0;
        while (offset < data.length) {
          offset += await this.#conn.write(offset === 0 ? data : data.subarray(offset));
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
    const parser = this.#parser;
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        parser.feed(buf.subarray(0, n));
        for (;;) {
          const head = this.#pending[this.#head];
          const value = parser.next(head !== undefined && head.decode);
          if (value === undefined) break;
          this.#dispatch(value);
          if (this.#error) return;
        }
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
    if (entry === undefined) {
      if (this.onPush) this.onPush(value);
      return;
    }
    if (entry.replies) {
      entry.replies.push(value);
      if (--entry.left > 0) return;
    }
    this.#pending[this.#head++] = undefined as unknown as Pending;
    if (this.#head === this.#pending.length) {
      this.#pending.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    if (entry.onAbort) entry.signal!.removeEventListener("abort", entry.onAbort);
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
    this.#out.take();
    for (const p of pending) {
      if (p.onAbort) p.signal!.removeEventListener("abort", p.onAbort);
      p.reject(err);
    }
    this.onClose?.(err);
  }

  /** Closes the socket; commands still waiting reject with RedisClosedError. */
  close(): Promise<void> {
    return this.destroy(new RedisClosedError("Redis connection closed"));
  }

  /** Closes the socket; commands still waiting reject with `err`. */
  async destroy(err: Error): Promise<void> {
    this.#fail(err);
    await this.#readDone;
  }
}

/**
 * Calls `fn` after `ms` unless the returned function is called first. Built on
 * AbortSignal.timeout because a process's first setTimeout costs Deno 5-25 ms, which would
 * double the start-up cost of a short CLI command; this timer also never keeps the process
 * alive on its own.
 */
function onTimeout(ms: number, fn: () => void): () => void {
  const signal = AbortSignal.timeout(ms);
  signal.addEventListener("abort", fn, { once: true });
  return () => signal.removeEventListener("abort", fn);
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

/** The error a command rejects with when its signal aborts. */
export function abortError(signal: AbortSignal): RedisClosedError {
  const why = signal.reason instanceof Error ? signal.reason.message : "aborted";
  return new RedisClosedError(`Redis command cancelled: ${why}`);
}

function reason(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) return "socket not found";
  if (err instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (err instanceof Error) return err.message.split("\n")[0];
  return String(err);
}
