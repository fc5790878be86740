/** Pipelines (many commands, one write) and MULTI/EXEC transactions. */
import { RedisReplyError } from "./errors.ts";
import { decodeReply, type RedisArg, type RedisValue, type RespValue } from "./resp.ts";

type Sender = (commands: readonly (readonly RedisArg[])[]) => Promise<RespValue[]>;

/** One reply of a pipeline: a decoded value, or the error Redis answered for that command. */
export type PipelineResult = RedisValue | RedisReplyError;

/** Queue commands with `add`, then `exec()` sends them in one write and returns every reply. */
export class Pipeline {
  protected readonly commands: RedisArg[][] = [];
  constructor(protected readonly sender: Sender) {}

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
    const raw = await this.sender(this.commands);
    return raw.map((r) => decodeReply(r));
  }

  /** Like exec, but bulk strings stay bytes. */
  execRaw(): Promise<RespValue[]> {
    return this.sender(this.commands);
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
 * null when a WATCHed key changed (the transaction was not applied). A command rejected while
 * queueing aborts the whole transaction with that error.
 */
export class Transaction extends Pipeline {
  override async exec(): Promise<PipelineResult[]> {
    const result = await this.execOrNull();
    if (result === null) throw new RedisReplyError("EXECABORT transaction aborted by WATCH");
    return result;
  }

  async execOrNull(): Promise<PipelineResult[] | null> {
    const raw = await this.sender([["MULTI"], ...this.commands, ["EXEC"]]);
    for (const reply of raw.slice(0, -1)) {
      if (reply instanceof RedisReplyError) throw reply;
    }
    const exec = raw[raw.length - 1];
    if (exec instanceof RedisReplyError) throw exec;
    if (exec === null) return null;
    return (exec as RespValue[]).map((r) => decodeReply(r));
  }
}
