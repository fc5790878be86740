/**
 * Shared plumbing for hash records (agents, tasks): partial guarded writes and pipelined
 * loading of many records by id.
 */
import type { RedisClient } from "../redis/client.ts";
import { TypedPipeline } from "../redis/typed_pipeline.ts";
import type { HashWrite } from "../model/fields.ts";
import type { Script } from "../redis/script.ts";
import { GUARDED_WRITE } from "./scripts.ts";

/** camelCase property -> snake_case hash field (`roleId` -> `role_id`). */
export function fieldName(prop: string): string {
  return prop.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Restricts a whole-record write to the given properties. */
export function pick(write: HashWrite, props: readonly string[]): HashWrite {
  const fields = new Set(props.map(fieldName));
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(write.set)) if (fields.has(k)) set[k] = v;
  return { set, del: write.del.filter((f) => fields.has(f)) };
}

export type WriteOutcome = "written" | "missing" | "state-mismatch";

/**
 * Writes `write` to an existing hash; with `allowed`, only when its current state is one of
 * them. Never creates a record (a record deleted meanwhile stays deleted).
 */
export async function guardedWrite(
  redis: RedisClient,
  key: string,
  write: HashWrite,
  allowed: readonly string[] = [],
  /** A variant of GUARDED_WRITE taking more keys after the hash and more args first. */
  variant?: { script: Script; keys: readonly string[]; args: readonly string[] },
): Promise<WriteOutcome> {
  const args: string[] = [
    ...(variant?.args ?? []),
    String(allowed.length),
    ...allowed,
    String(write.del.length),
    ...write.del,
  ];
  for (const [k, v] of Object.entries(write.set)) args.push(k, v);
  const r = await redis.evalScript(
    variant?.script ?? GUARDED_WRITE,
    [key, ...(variant?.keys ?? [])],
    args,
  );
  return r === 1 ? "written" : r === 0 ? "missing" : "state-mismatch";
}

/** HGETALL of many keys in one round trip; missing keys give empty records. */
export async function loadHashes(
  redis: RedisClient,
  keys: readonly string[],
): Promise<Record<string, string>[]> {
  if (keys.length === 0) return [];
  // Chunked so one huge town does not build a single enormous write; the chunks are all in
  // flight at once on the one connection, so this is still about one round trip.
  const chunks: Promise<Record<string, string>[]>[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    const p = new TypedPipeline(redis.pipeline());
    const replies = keys.slice(i, i + 1000).map((key) => p.hgetall(key));
    chunks.push(p.exec().then(() => replies.map((r) => r.value)));
  }
  return (await Promise.all(chunks)).flat();
}
