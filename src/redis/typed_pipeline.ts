/**
 * Typed pipelines: each queued command hands back a `Reply<T>` whose type follows the command
 * (LLEN a number, LRANGE a string list, HGETALL a record), checked when the replies arrive.
 * Readers take `reply.value` after `exec()` instead of indexing the reply array with casts.
 */
import { RedisReplyError } from "./errors.ts";
import type { Pipeline } from "./pipeline.ts";
import type { RedisArg, RedisValue } from "./resp.ts";

/** The reply of one queued command; `value` is readable once the pipeline has run. */
export class Reply<T> {
  #value: T | undefined;
  #set = false;

  constructor(private readonly command: string) {}

  /** The reply. Throws when read before `exec()` resolved. */
  get value(): T {
    if (!this.#set) throw new Error(`${this.command}: pipeline not run yet`);
    return this.#value as T;
  }

  /** @internal Filled by TypedPipeline.exec. */
  fill(value: T): void {
    this.#value = value;
    this.#set = true;
  }
}

function shapeError(command: string, expected: string, got: RedisValue): RedisReplyError {
  const shown = Array.isArray(got) ? "array" : got === null ? "nil" : typeof got;
  return new RedisReplyError(`ERR ${command} reply: expected ${expected}, got ${shown}`);
}

function asInteger(command: string, v: RedisValue): number {
  if (typeof v !== "number") throw shapeError(command, "an integer", v);
  return v;
}

function asStrings(command: string, v: RedisValue): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw shapeError(command, "a list of strings", v);
  }
  return v as string[];
}

function asNullableStrings(command: string, v: RedisValue): (string | null)[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string" || x === null)) {
    throw shapeError(command, "a list of strings or nils", v);
  }
  return v as (string | null)[];
}

function asRecord(command: string, v: RedisValue): Record<string, string> {
  const flat = asStrings(command, v);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

function asNullableString(command: string, v: RedisValue): string | null {
  if (v !== null && typeof v !== "string") throw shapeError(command, "a string or nil", v);
  return v;
}

/** A pipeline whose commands are methods returning typed replies. */
export class TypedPipeline {
  readonly #pipeline: Pipeline;
  readonly #fills: ((v: RedisValue) => void)[] = [];

  constructor(pipeline: Pipeline) {
    this.#pipeline = pipeline;
  }

  #queue<T>(convert: (command: string, v: RedisValue) => T, args: RedisArg[]): Reply<T> {
    const command = String(args[0]);
    const reply = new Reply<T>(command);
    this.#pipeline.add(...args);
    this.#fills.push((v) => reply.fill(convert(command, v)));
    return reply;
  }

  /** Commands queued so far. */
  get length(): number {
    return this.#fills.length;
  }

  llen(key: string): Reply<number> {
    return this.#queue(asInteger, ["LLEN", key]);
  }

  exists(key: string): Reply<boolean> {
    return this.#queue((c, v) => asInteger(c, v) > 0, ["EXISTS", key]);
  }

  lrange(key: string, start: number, stop: number): Reply<string[]> {
    return this.#queue(asStrings, ["LRANGE", key, start, stop]);
  }

  scard(key: string): Reply<number> {
    return this.#queue(asInteger, ["SCARD", key]);
  }

  smembers(key: string): Reply<string[]> {
    return this.#queue(asStrings, ["SMEMBERS", key]);
  }

  hgetall(key: string): Reply<Record<string, string>> {
    return this.#queue(asRecord, ["HGETALL", key]);
  }

  hmget(key: string, ...fields: string[]): Reply<(string | null)[]> {
    return this.#queue(asNullableStrings, ["HMGET", key, ...fields]);
  }

  hget(key: string, field: string): Reply<string | null> {
    return this.#queue(asNullableString, ["HGET", key, field]);
  }

  get(key: string): Reply<string | null> {
    return this.#queue(asNullableString, ["GET", key]);
  }

  type(key: string): Reply<string> {
    return this.#queue((c, v) => {
      if (typeof v !== "string") throw shapeError(c, "a type name", v);
      return v;
    }, ["TYPE", key]);
  }

  /** Sends every command in one write; throws the first error reply (or a reply of the wrong shape). */
  async exec(): Promise<void> {
    if (this.#fills.length === 0) return;
    const replies = await this.#pipeline.execOrThrow();
    replies.forEach((v, i) => this.#fills[i](v));
  }
}
