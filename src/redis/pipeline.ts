/** Pipelines (many commands, one write) and MULTI/EXEC transactions. */
import { RedisReplyError } from "./errors.ts";
import type { RedisArg, RedisValue, RespValue } from "./resp.ts";

/** Sends commands in one write; `decode` turns bulk strings into UTF-8 text while parsing. */
export type BatchSender = (
  commands: readonly (readonly RedisArg[])[],
  decode: boolean,
) => Promise<RespValue[]>;

/** One reply of a pipeline: a decoded value, or the error Redis answered for that command. */
export type PipelineResult = RedisValue | RedisReplyError;

/** Queue commands with `add`, then `exec()` sends them in one write and returns every reply. */
export class Pipeline {
  protected readonly commands: RedisArg[][] = [];
  constructor(protected readonly sender: BatchSender) {}

  /** Queues a command, e.g. `add("HSET", key, "f", "v")`. */
  add(...args: RedisArg[]): this {
    this.commands.push(args);
    return this;
  }

  get length(): number {
    return this.commands.length;
  }

  /** Replies in order; a command Redis refused gives a RedisReplyError in its place. */
  async exec(): Promise<PipelineResult[]> {
    return (await this.sender(this.commands, true)) as PipelineResult[];
  }

  /** Like exec, but bulk strings stay bytes. */
  execRaw(): Promise<RespValue[]> {
    return this.sender(this.commands, false);
  }

  /** Like exec, but throws the first error reply instead of returning it. */
  async execOrThrow(): Promise<RedisValue[]> {
    const results = await this.exec();
    for (const r of results) if (r instanceof RedisReplyError) throw r;
    return results as RedisValue[];
  }
}

/**
 * MULTI ... EXEC sent in one write. `exec()` returns the replies of the queued commands, or
 * throws when a WATCHed key changed; `execOrNull()` returns null then. A command rejected while
 * queueing (unknown command, wrong arity) aborts the whole transaction with that error; an
 * error at run time (WRONGTYPE) is a RedisReplyError in that command's place.
 */
export class Transaction extends Pipeline {
  override async exec(): Promise<PipelineResult[]> {
    const result = await this.execOrNull();
    if (result === null) throw new RedisReplyError("EXECABORT transaction aborted by WATCH");
    return result;
  }

  async execOrNull(): Promise<PipelineResult[] | null> {
    return (await this.#run(true)) as PipelineResult[] | null;
  }

  /** Like execOrNull, but bulk strings stay bytes. */
  override async execRaw(): Promise<RespValue[]> {
    const result = await this.#run(false);
    if (result === null) throw new RedisReplyError("EXECABORT transaction aborted by WATCH");
    return result;
  }

  async #run(decode: boolean): Promise<RespValue[] | null> {
    const raw = await this.sender([["MULTI"], ...this.commands, ["EXEC"]], decode);
    for (let i = 0; i < raw.length - 1; i++) {
      if (raw[i] instanceof RedisReplyError) throw raw[i];
    }
    const exec = raw[raw.length - 1];
    if (exec instanceof RedisReplyError) throw exec;
    return exec as RespValue[] | null;
  }
}
