/**
 * The Redis client tt uses: connect (AUTH, SELECT), commands, pipelines, transactions,
 * scripts, pub/sub, and optional automatic reconnect for long-running users such as agent loops.
 */
import { abortError, RedisConnection, type SendOptions } from "./connection.ts";
import {
  RedisAuthError,
  RedisClosedError,
  RedisConnectionError,
  RedisReplyError,
} from "./errors.ts";
import type { RedisArg, RedisValue, RespValue } from "./resp.ts";
import { type ConnectOptions, describeEndpoint, parseRedisUrl } from "./url.ts";
import { Pipeline, Transaction } from "./pipeline.ts";
import { Script } from "./script.ts";
import { RedisCommands } from "./commands.ts";
import type { Subscriber, SubscriberOptions } from "./pubsub.ts";
import { sleep } from "../sleep.ts";
import { lazyImport } from "../lazy.ts";

export interface ReconnectOptions {
  /** First delay between attempts; doubles up to `maxDelayMs`. Default 50 ms. */
  initialDelayMs?: number;
  /** Default 2000 ms. */
  maxDelayMs?: number;
  /** Give up (rejecting waiting commands) after this long without Redis. Default: never. */
  maxWaitMs?: number;
  /** Told about each failed attempt, e.g. to log it. */
  onRetry?: (attempt: number, err: Error) => void;
}

export interface ClientOptions extends ConnectOptions {
  /**
   * Reconnect automatically after the connection breaks: commands issued while Redis is away
   * wait for it to come back. Commands already in flight when it broke still reject (they may
   * or may not have run). The CLI leaves this off, so it fails fast.
   */
  reconnect?: boolean | ReconnectOptions;
}

export class RedisClient extends RedisCommands {
  readonly options: ClientOptions;
  #conn: RedisConnection | undefined;
  #connecting: Promise<RedisConnection> | undefined;
  #requests = 0;
  #closed = false;
  /** Aborted by close(), to cut a reconnect back-off short. */
  #closing = new AbortController();
  #scriptsLoaded = new Set<string>();

  private constructor(options: ClientOptions) {
    super();
    this.options = options;
  }

  /** Opens a client from options or a URL (`redis://`, `rediss://`, `unix://`). */
  static async connect(options: ClientOptions | string): Promise<RedisClient> {
    const opts = typeof options === "string" ? parseRedisUrl(options) : options;
    const client = new RedisClient(opts);
    client.#conn = await RedisConnection.connect(opts);
    return client;
  }

  /** A new client with the same options on its own connection (for blocking commands). */
  duplicate(overrides: Partial<ClientOptions> = {}): Promise<RedisClient> {
    return RedisClient.connect({ ...this.options, ...overrides });
  }

  /**
   * A pub/sub subscriber on its own connection, with the same endpoint, AUTH and db. It does
   * not reconnect: its `done` promise resolves when the connection ends.
   */
  async subscriber(options?: SubscriberOptions): Promise<Subscriber> {
    // Loaded on first use: most commands never subscribe (see src/lazy.ts).
    const { Subscriber } = await lazyImport<typeof import("./pubsub.ts")>("src/redis/pubsub.ts");
    return await Subscriber.connect(this.options, options);
  }

  /**
   * Requests sent so far: one per command or per pipeline/transaction, whatever its size.
   * Concurrent requests share round trips, so this is an upper bound on them (tests use it).
   */
  get requestCount(): number {
    return this.#requests;
  }

  get connected(): boolean {
    return this.#conn !== undefined && !this.#conn.closed;
  }

  /** Sends a command; bulk strings come back decoded as UTF-8 text. */
  override command(args: readonly RedisArg[], options?: SendOptions): Promise<RedisValue> {
    this.#requests++;
    const conn = this.#conn;
    if (conn !== undefined && !conn.closed) {
      return conn.send(args, options, true) as Promise<RedisValue>;
    }
    return this.#reconnectFor(options?.signal).then((c) =>
      c.send(args, options, true) as Promise<RedisValue>
    );
  }

  /** Sends a command; bulk strings come back as bytes (binary-safe). */
  commandRaw(args: readonly RedisArg[], options?: SendOptions): Promise<RespValue> {
    this.#requests++;
    const conn = this.#conn;
    if (conn !== undefined && !conn.closed) return conn.send(args, options);
    return this.#reconnectFor(options?.signal).then((c) => c.send(args, options));
  }

  /** Sends commands in one write; replies in order, error replies as RedisReplyError values. */
  batchRaw(commands: readonly (readonly RedisArg[])[]): Promise<RespValue[]> {
    return this.#batch(commands, false);
  }

  #batch(commands: readonly (readonly RedisArg[])[], decode: boolean): Promise<RespValue[]> {
    this.#requests++;
    const conn = this.#conn;
    if (conn !== undefined && !conn.closed) return conn.sendBatch(commands, undefined, decode);
    return this.#reconnect().then((c) => c.sendBatch(commands, undefined, decode));
  }

  /** Starts a pipeline: queue commands, then `exec()` sends them in one write. */
  pipeline(): Pipeline {
    return new Pipeline((cmds, decode) => this.#batch(cmds, decode));
  }

  /**
   * Starts a MULTI/EXEC transaction; `exec()` returns the replies, `execOrNull()` returns null
   * if a key WATCHed on this client changed.
   */
  multi(): Transaction {
    return new Transaction((cmds, decode) => this.#batch(cmds, decode));
  }

  /** Runs a Lua script by SHA, loading it on NOSCRIPT (e.g. after SCRIPT FLUSH or a restart). */
  async evalScript(
    script: Script,
    keys: readonly RedisArg[],
    args: readonly RedisArg[] = [],
  ): Promise<RedisValue> {
    const tail = [keys.length, ...keys, ...args];
    const sha = await script.sha();
    if (this.#scriptsLoaded.has(sha)) {
      try {
        return await this.command(["EVALSHA", sha, ...tail]);
      } catch (err) {
        if (!(err instanceof RedisReplyError && err.code === "NOSCRIPT")) throw err;
      }
    }
    // EVAL both runs and caches the script, so the next call can use EVALSHA.
    const result = await this.command(["EVAL", script.source, ...tail]);
    this.#scriptsLoaded.add(sha);
    return result;
  }

  /** Closes the connection; commands still waiting reject with RedisClosedError. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn) await conn.close();
    await this.#connecting?.catch(() => {});
  }

  /** Like #reconnect, but a command's signal stops its wait (Redis may be away for long). */
  #reconnectFor(signal: AbortSignal | undefined): Promise<RedisConnection> {
    const reconnecting = this.#reconnect();
    if (!signal) return reconnecting;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      if (signal.aborted) onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      reconnecting.then(resolve, reject).finally(() =>
        signal.removeEventListener("abort", onAbort)
      );
    });
  }

  #reconnect(): Promise<RedisConnection> {
    if (this.#closed) return Promise.reject(new RedisClosedError("Redis client is closed"));
    const policy = this.options.reconnect;
    if (!policy) {
      return Promise.reject(
        new RedisConnectionError(
          `not connected to Redis at ${describeEndpoint(this.options.endpoint)}`,
        ),
      );
    }
    this.#connecting ??= this.#retryConnect(policy === true ? {} : policy).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #retryConnect(policy: ReconnectOptions): Promise<RedisConnection> {
    const started = Date.now();
    let delay = policy.initialDelayMs ?? 50;
    for (let attempt = 1;; attempt++) {
      try {
        const conn = await RedisConnection.connect(this.options);
        if (this.#closed) {
          await conn.close();
          throw new RedisClosedError("Redis client is closed");
        }
        this.#conn = conn;
        this.#scriptsLoaded.clear();
        return conn;
      } catch (err) {
        if (this.#closed) throw new RedisClosedError("Redis client is closed");
        if (err instanceof RedisAuthError) throw err;
        policy.onRetry?.(attempt, err as Error);
        if (policy.maxWaitMs !== undefined && Date.now() - started >= policy.maxWaitMs) throw err;
        await sleep(delay, this.#closing.signal);
        // close() cuts the back-off short; it must not also cause one more attempt.
        if (this.#closed) throw new RedisClosedError("Redis client is closed");
        delay = Math.min(delay * 2, policy.maxDelayMs ?? 2000);
      }
    }
  }
}

export { Script };
