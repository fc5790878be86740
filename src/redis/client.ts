/**
 * The Redis client tt uses: connect (AUTH, SELECT), commands, pipelines, transactions,
 * scripts, and optional automatic reconnect for long-running users such as agent loops.
 */
import { RedisConnection, type SendOptions } from "./connection.ts";
import {
  RedisAuthError,
  RedisClosedError,
  RedisConnectionError,
  RedisError,
  RedisReplyError,
} from "./errors.ts";
import { decodeReply, type RedisArg, type RedisValue, type RespValue } from "./resp.ts";
import { type ConnectOptions, describeEndpoint, parseRedisUrl } from "./url.ts";
import { Pipeline, Transaction } from "./pipeline.ts";
import { Script } from "./script.ts";
import { RedisCommands } from "./commands.ts";

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
  /** Reconnect automatically after the connection breaks. The CLI leaves this off. */
  reconnect?: boolean | ReconnectOptions;
}

export class RedisClient extends RedisCommands {
  readonly options: ClientOptions;
  #conn: RedisConnection | undefined;
  #connecting: Promise<RedisConnection> | undefined;
  #closed = false;
  #scriptsLoaded = new Set<string>();

  private constructor(options: ClientOptions) {
    super();
    this.options = options;
  }

  /** Opens a client from options or a URL (`redis://`, `rediss://`, `unix://`). */
  static async connect(options: ClientOptions | string): Promise<RedisClient> {
    const opts = typeof options === "string" ? parseRedisUrl(options) : options;
    const client = new RedisClient(opts);
    client.#conn = await openConnection(opts);
    return client;
  }

  /** A new client with the same options on its own connection (for blocking commands). */
  duplicate(overrides: Partial<ClientOptions> = {}): Promise<RedisClient> {
    return RedisClient.connect({ ...this.options, ...overrides });
  }

  get connected(): boolean {
    return this.#conn !== undefined && !this.#conn.closed;
  }

  /** Sends a command; bulk strings come back decoded as UTF-8 text. */
  override async command(args: readonly RedisArg[], options?: SendOptions): Promise<RedisValue> {
    const reply = await this.commandRaw(args, options);
    return decodeReply(reply) as RedisValue;
  }

  /** Sends a command; bulk strings come back as bytes (binary-safe). */
  async commandRaw(args: readonly RedisArg[], options?: SendOptions): Promise<RespValue> {
    const conn = this.#conn && !this.#conn.closed ? this.#conn : await this.#reconnect();
    return await conn.send(args, options);
  }

  /** Sends commands in one write; replies in order, error replies as RedisReplyError values. */
  async batchRaw(commands: readonly (readonly RedisArg[])[]): Promise<RespValue[]> {
    const conn = this.#conn && !this.#conn.closed ? this.#conn : await this.#reconnect();
    return await conn.sendBatch(commands);
  }

  /** Starts a pipeline: queue commands, then `exec()` sends them in one write. */
  pipeline(): Pipeline {
    return new Pipeline((cmds) => this.batchRaw(cmds));
  }

  /** Starts a MULTI/EXEC transaction; `exec()` returns the replies or null if a WATCH failed. */
  multi(): Transaction {
    return new Transaction((cmds) => this.batchRaw(cmds));
  }

  /** Runs a Lua script by SHA, loading it on NOSCRIPT. */
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
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn) await conn.close();
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
        const conn = await openConnection(this.options);
        if (this.#closed) {
          await conn.close();
          throw new RedisClosedError("Redis client is closed");
        }
        this.#conn = conn;
        this.#scriptsLoaded.clear();
        return conn;
      } catch (err) {
        if (this.#closed || err instanceof RedisAuthError) throw err;
        policy.onRetry?.(attempt, err as Error);
        if (policy.maxWaitMs !== undefined && Date.now() - started >= policy.maxWaitMs) throw err;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, policy.maxDelayMs ?? 2000);
      }
    }
  }
}

/** Opens a socket and introduces the client: AUTH and SELECT in one write. */
async function openConnection(opts: ConnectOptions): Promise<RedisConnection> {
  const conn = await RedisConnection.open(opts.endpoint, opts.connectTimeoutMs ?? 5000);
  const hello: RedisArg[][] = [];
  if (opts.password !== undefined) {
    hello.push(
      opts.username ? ["AUTH", opts.username, opts.password] : ["AUTH", opts.password],
    );
  }
  if (opts.db !== undefined && opts.db !== 0) hello.push(["SELECT", opts.db]);
  if (hello.length === 0) return conn;
  try {
    const replies = await conn.sendBatch(hello);
    replies.forEach((reply, i) => {
      if (!(reply instanceof RedisReplyError)) return;
      const where = describeEndpoint(opts.endpoint);
      if (hello[i][0] === "AUTH") {
        throw new RedisAuthError(`Redis authentication failed at ${where}: ${reply.text}`);
      }
      throw new RedisError(`cannot select database ${opts.db} at ${where}: ${reply.text}`);
    });
    return conn;
  } catch (err) {
    await conn.close();
    throw err;
  }
}

export { Script };
