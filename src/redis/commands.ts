/**
 * Typed helpers for the commands tt uses. Each is one line over `command()`, so the set can
 * grow without touching the connection code.
 */
import type { SendOptions } from "./connection.ts";
import type { RedisArg, RedisValue } from "./resp.ts";

/** A stream entry as XRANGE/XREAD return it. */
export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

export abstract class RedisCommands {
  abstract command(args: readonly RedisArg[], options?: SendOptions): Promise<RedisValue>;

  async ping(): Promise<string> {
    return String(await this.command(["PING"]));
  }
  async get(key: string): Promise<string | null> {
    return (await this.command(["GET", key])) as string | null;
  }
  async set(
    key: string,
    value: RedisArg,
    opts: { ex?: number; px?: number; nx?: boolean } = {},
  ): Promise<boolean> {
    const args: RedisArg[] = ["SET", key, value];
    if (opts.ex !== undefined) args.push("EX", opts.ex);
    if (opts.px !== undefined) args.push("PX", opts.px);
    if (opts.nx) args.push("NX");
    return (await this.command(args)) === "OK";
  }
  async del(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return (await this.command(["DEL", ...keys])) as number;
  }
  async exists(...keys: string[]): Promise<number> {
    return (await this.command(["EXISTS", ...keys])) as number;
  }
  async expire(key: string, seconds: number): Promise<boolean> {
    return (await this.command(["EXPIRE", key, seconds])) === 1;
  }
  async incr(key: string): Promise<number> {
    return (await this.command(["INCR", key])) as number;
  }

  async hset(key: string, fields: Record<string, RedisArg>): Promise<number> {
    const args: RedisArg[] = ["HSET", key];
    for (const [f, v] of Object.entries(fields)) args.push(f, v);
    return (await this.command(args)) as number;
  }
  async hget(key: string, field: string): Promise<string | null> {
    return (await this.command(["HGET", key, field])) as string | null;
  }
  async hgetall(key: string): Promise<Record<string, string>> {
    return pairsToRecord((await this.command(["HGETALL", key])) as string[]);
  }
  async hdel(key: string, ...fields: string[]): Promise<number> {
    if (fields.length === 0) return 0;
    return (await this.command(["HDEL", key, ...fields])) as number;
  }
  async hincrby(key: string, field: string, by: number): Promise<number> {
    return (await this.command(["HINCRBY", key, field, by])) as number;
  }

  async sadd(key: string, ...members: string[]): Promise<number> {
    return (await this.command(["SADD", key, ...members])) as number;
  }
  async srem(key: string, ...members: string[]): Promise<number> {
    return (await this.command(["SREM", key, ...members])) as number;
  }
  async smembers(key: string): Promise<string[]> {
    return (await this.command(["SMEMBERS", key])) as string[];
  }
  async scard(key: string): Promise<number> {
    return (await this.command(["SCARD", key])) as number;
  }

  async lpush(key: string, ...values: RedisArg[]): Promise<number> {
    return (await this.command(["LPUSH", key, ...values])) as number;
  }
  async rpush(key: string, ...values: RedisArg[]): Promise<number> {
    return (await this.command(["RPUSH", key, ...values])) as number;
  }
  async lpop(key: string): Promise<string | null> {
    return (await this.command(["LPOP", key])) as string | null;
  }
  async rpop(key: string): Promise<string | null> {
    return (await this.command(["RPOP", key])) as string | null;
  }
  async lrange(key: string, start: number, stop: number): Promise<string[]> {
    return (await this.command(["LRANGE", key, start, stop])) as string[];
  }
  async llen(key: string): Promise<number> {
    return (await this.command(["LLEN", key])) as number;
  }
  async lrem(key: string, count: number, value: RedisArg): Promise<number> {
    return (await this.command(["LREM", key, count, value])) as number;
  }
  async ltrim(key: string, start: number, stop: number): Promise<void> {
    await this.command(["LTRIM", key, start, stop]);
  }
  async lmove(
    from: string,
    to: string,
    whereFrom: "LEFT" | "RIGHT",
    whereTo: "LEFT" | "RIGHT",
  ): Promise<string | null> {
    return (await this.command(["LMOVE", from, to, whereFrom, whereTo])) as string | null;
  }
  /** Blocks up to `timeoutSec` (0 = forever). Use on a dedicated connection. */
  async blmove(
    from: string,
    to: string,
    whereFrom: "LEFT" | "RIGHT",
    whereTo: "LEFT" | "RIGHT",
    timeoutSec: number,
    options?: SendOptions,
  ): Promise<string | null> {
    return (await this.command(
      ["BLMOVE", from, to, whereFrom, whereTo, timeoutSec],
      options,
    )) as string | null;
  }
  /** Blocks up to `timeoutSec` (0 = forever); returns [key, value] or null on timeout. */
  async blpop(
    keys: string[],
    timeoutSec: number,
    options?: SendOptions,
  ): Promise<[string, string] | null> {
    return (await this.command(["BLPOP", ...keys, timeoutSec], options)) as
      | [string, string]
      | null;
  }

  async xadd(
    key: string,
    fields: Record<string, RedisArg>,
    opts: { maxlenApprox?: number; id?: string } = {},
  ): Promise<string> {
    const args: RedisArg[] = ["XADD", key];
    if (opts.maxlenApprox !== undefined) args.push("MAXLEN", "~", opts.maxlenApprox);
    args.push(opts.id ?? "*");
    for (const [f, v] of Object.entries(fields)) args.push(f, v);
    return (await this.command(args)) as string;
  }
  async xrange(key: string, start = "-", end = "+", count?: number): Promise<StreamEntry[]> {
    const args: RedisArg[] = ["XRANGE", key, start, end];
    if (count !== undefined) args.push("COUNT", count);
    return toEntries(await this.command(args));
  }
  async xrevrange(key: string, end = "+", start = "-", count?: number): Promise<StreamEntry[]> {
    const args: RedisArg[] = ["XREVRANGE", key, end, start];
    if (count !== undefined) args.push("COUNT", count);
    return toEntries(await this.command(args));
  }
  /** XREAD on one stream; with `blockMs` it waits (use a dedicated connection). */
  async xread(
    key: string,
    afterId: string,
    opts: { count?: number; blockMs?: number } = {},
    options?: SendOptions,
  ): Promise<StreamEntry[]> {
    const args: RedisArg[] = ["XREAD"];
    if (opts.count !== undefined) args.push("COUNT", opts.count);
    if (opts.blockMs !== undefined) args.push("BLOCK", opts.blockMs);
    args.push("STREAMS", key, afterId);
    const reply = (await this.command(args, options)) as [string, RedisValue][] | null;
    if (!reply || reply.length === 0) return [];
    return toEntries(reply[0][1]);
  }

  async publish(channel: string, message: RedisArg): Promise<number> {
    return (await this.command(["PUBLISH", channel, message])) as number;
  }

  /** Every key matching `pattern`, by SCAN (never KEYS). */
  async scanAll(pattern: string, count = 500): Promise<string[]> {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] =
        (await this.command(["SCAN", cursor, "MATCH", pattern, "COUNT", count])) as [
          string,
          string[],
        ];
      keys.push(...batch);
      cursor = next;
    } while (cursor !== "0");
    return keys;
  }

  /** INFO parsed into a flat map of its `key:value` lines. */
  async info(section?: string): Promise<Record<string, string>> {
    const text = (await this.command(section ? ["INFO", section] : ["INFO"])) as string;
    const out: Record<string, string> = {};
    for (const line of text.split("\r\n")) {
      const i = line.indexOf(":");
      if (i > 0 && !line.startsWith("#")) out[line.slice(0, i)] = line.slice(i + 1);
    }
    return out;
  }
}

export function pairsToRecord(flat: readonly string[] | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!flat) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

function toEntries(reply: RedisValue): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((e) => {
    const [id, flat] = e as [string, string[]];
    return { id, fields: pairsToRecord(flat) };
  });
}
