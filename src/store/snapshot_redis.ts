/**
 * The Redis side of `tt save` / `tt restore`: reading every key of a town into the snapshot
 * format (one transaction, so the snapshot is consistent) and writing a snapshot back (one
 * transaction, so no client sees a half-restored town). The format keeps each key's type and
 * remaining time to live; streams keep their entry ids, last id and consumer groups.
 */
import { plainOrQuoted, quoteExcerpt, TtError } from "../errors.ts";
import type { RedisClient } from "../redis/client.ts";
import { RedisReplyError } from "../redis/errors.ts";
import { decodeReply, type RedisArg, type RespValue } from "../redis/resp.ts";
import { TypedPipeline } from "../redis/typed_pipeline.ts";
import { type TownKeys, townKeys } from "./keys.ts";
import { agentRecordProblem, keyDumpProblem } from "./snapshot_check.ts";
import { TaskStates } from "./task_states.ts";

const FORMAT = "tt-state";
const VERSION = 1;

/** Text, or bytes that are not valid UTF-8. */
export type Bytes = string | { base64: string };

export interface StreamDump {
  entries: { id: string; fields: [Bytes, Bytes][] }[];
  last_id: string;
  entries_added?: number;
  max_deleted_id?: string;
  /** `pending_from`: the oldest unacknowledged entry, delivered again after a restore. */
  groups: { name: string; last_delivered_id: string; pending_from?: string }[];
}

export type KeyDump =
  & { ttl_ms?: number }
  & (
    | { type: "string"; value: Bytes }
    | { type: "hash"; value: Record<string, Bytes> }
    | { type: "list"; value: Bytes[] }
    | { type: "set"; value: Bytes[] }
    | { type: "zset"; value: [Bytes, string][] }
    | { type: "stream"; value: StreamDump }
  );

export interface TownState {
  format: typeof FORMAT;
  version: typeof VERSION;
  town: string;
  saved_at: string;
  keys: Record<string, KeyDump>;
}

// ignoreBOM: a leading U+FEFF is part of the value, not a marker to drop.
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function toBytes(v: RespValue): Bytes {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) {
    try {
      return strict.decode(v);
    } catch {
      let bin = "";
      for (const b of v) bin += String.fromCharCode(b);
      return { base64: btoa(bin) };
    }
  }
  return String(v);
}

function fromBytes(b: Bytes): RedisArg {
  if (typeof b === "string") return b;
  return Uint8Array.from(atob(b.base64), (c) => c.charCodeAt(0));
}

function text(v: RespValue): string {
  const d = decodeReply(v);
  return typeof d === "string" ? d : String(d);
}

/** A flat `[name, value, …]` reply as a map of decoded values. */
function pairs(v: RespValue): Map<string, RespValue> {
  const out = new Map<string, RespValue>();
  const arr = Array.isArray(v) ? v : [];
  for (let i = 0; i + 1 < arr.length; i += 2) out.set(text(arr[i]), arr[i + 1]);
  return out;
}

const READS: Record<string, (key: string) => RedisArg[][]> = {
  string: (k) => [["GET", k]],
  hash: (k) => [["HGETALL", k]],
  list: (k) => [["LRANGE", k, 0, -1]],
  set: (k) => [["SMEMBERS", k]],
  zset: (k) => [["ZRANGE", k, 0, -1, "WITHSCORES"]],
  stream: (k) => [["XRANGE", k, "-", "+"], ["XINFO", "STREAM", k], ["XINFO", "GROUPS", k]],
};

class TypeChanged extends Error {}

/** Reads every key of the town in one transaction, so the snapshot is consistent. */
export async function readTownState(
  redis: RedisClient,
  keys: TownKeys,
  town: string,
): Promise<TownState> {
  for (let attempt = 0;; attempt++) {
    try {
      return await readOnce(redis, keys, town);
    } catch (err) {
      // A key changed type between TYPE and the read; a second look sees the new layout.
      if (!(err instanceof TypeChanged) || attempt >= 4) throw err;
    }
  }
}

async function readOnce(redis: RedisClient, keys: TownKeys, town: string): Promise<TownState> {
  const names = (await redis.scanAll(keys.pattern)).sort();
  const typing = new TypedPipeline(redis.pipeline());
  const typeReplies = names.map((k) => typing.type(k));
  await typing.exec();
  const types = typeReplies.map((r) => r.value);
  const tx = redis.multi();
  const plan: { key: string; type: string; n: number }[] = [];
  names.forEach((key, i) => {
    const type = types[i];
    if (type === "none") return;
    const reads = READS[type];
    if (!reads) throw new TtError(`cannot save ${key}: keys of type '${type}' are not supported`);
    tx.add("PTTL", key);
    for (const cmd of reads(key)) tx.add(...cmd);
    plan.push({ key, type, n: reads(key).length });
  });
  const replies = plan.length ? await tx.execRaw() : [];
  const out: Record<string, KeyDump> = {};
  let at = 0;
  for (const { key, type, n } of plan) {
    const [ttl, ...values] = replies.slice(at, at + 1 + n);
    at += 1 + n;
    if (values.some((v) => v instanceof RedisReplyError)) throw new TypeChanged(key);
    if (ttl === -2) continue; // gone since the scan
    const dump = await toDump(redis, key, type, values);
    if (dump === undefined) continue;
    if (typeof ttl === "number" && ttl > 0) dump.ttl_ms = ttl;
    out[key] = dump;
  }
  return { format: FORMAT, version: VERSION, town, saved_at: new Date().toISOString(), keys: out };
}

async function toDump(
  redis: RedisClient,
  key: string,
  type: string,
  values: RespValue[],
): Promise<KeyDump | undefined> {
  const [v] = values;
  const list = Array.isArray(v) ? v : [];
  switch (type) {
    case "string":
      return v === null ? undefined : { type: "string", value: toBytes(v) };
    case "hash": {
      const value: Record<string, Bytes> = {};
      const fields: [string, Bytes][] = [];
      for (let i = 0; i + 1 < list.length; i += 2) {
        const f = toBytes(list[i]);
        if (typeof f !== "string") throw new TtError(`cannot save ${key}: a field name is binary`);
        fields.push([f, toBytes(list[i + 1])]);
      }
      for (const [f, x] of fields.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) value[f] = x;
      return { type: "hash", value };
    }
    case "list":
      return { type: "list", value: list.map(toBytes) };
    case "set":
      return { type: "set", value: list.map(toBytes).sort(byText) };
    case "zset": {
      const value: [Bytes, string][] = [];
      for (let i = 0; i + 1 < list.length; i += 2) {
        value.push([toBytes(list[i]), text(list[i + 1])]);
      }
      return { type: "zset", value };
    }
    default:
      return { type: "stream", value: await streamDump(redis, key, values) };
  }
}

function byText(a: Bytes, b: Bytes): number {
  const x = typeof a === "string" ? a : a.base64;
  const y = typeof b === "string" ? b : b.base64;
  return x < y ? -1 : x > y ? 1 : 0;
}

async function streamDump(redis: RedisClient, key: string, values: RespValue[]) {
  const [range, info, groups] = values;
  const entries = (Array.isArray(range) ? range : []).map((e) => {
    const [id, flat] = e as [RespValue, RespValue[]];
    const fields: [Bytes, Bytes][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      fields.push([toBytes(flat[i]), toBytes(flat[i + 1])]);
    }
    return { id: text(id), fields };
  });
  const meta = pairs(info);
  const dump: StreamDump = {
    entries,
    last_id: text(meta.get("last-generated-id") ?? "0-0"),
    groups: [],
  };
  const added = meta.get("entries-added");
  if (typeof added === "number") dump.entries_added = added;
  const maxDeleted = meta.get("max-deleted-entry-id");
  if (maxDeleted !== undefined) dump.max_deleted_id = text(maxDeleted);
  for (const g of Array.isArray(groups) ? groups : []) {
    const gm = pairs(g);
    const name = text(gm.get("name") ?? "");
    const group: StreamDump["groups"][number] = {
      name,
      last_delivered_id: text(gm.get("last-delivered-id") ?? "0-0"),
    };
    if (gm.get("pending") !== 0) {
      const summary = await redis.command(["XPENDING", key, name]);
      const first = Array.isArray(summary) ? summary[1] : null;
      if (typeof first === "string") group.pending_from = first;
    }
    dump.groups.push(group);
  }
  return dump;
}

/** The stream id just before `id`, so a group created there delivers `id` again. */
function before(id: string): string {
  const [ms, seq] = id.split("-").map((x) => BigInt(x));
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  if (ms > 0n) return `${ms - 1n}-18446744073709551615`;
  return "0-0";
}

/** Checks a parsed file; throws a one-line error naming what is wrong. */
export function checkTownState(data: unknown, file: string): TownState {
  const bad = (why: string) => new TtError(`${file} is not a tt state file: ${why}`);
  if (typeof data !== "object" || data === null) throw bad("not a JSON object");
  const s = data as Partial<TownState>;
  if (s.format !== FORMAT) throw bad(`"format" is not "${FORMAT}"`);
  if (s.version !== VERSION) {
    throw bad(`version ${quoteExcerpt(String(s.version), 20)} is not supported (this tt reads 1)`);
  }
  if (typeof s.town !== "string" || s.town === "") throw bad('"town" is missing');
  if (typeof s.keys !== "object" || s.keys === null || Array.isArray(s.keys)) {
    throw bad('"keys" is missing');
  }
  if (s.saved_at !== undefined && typeof s.saved_at !== "string") {
    throw bad('"saved_at" is not text');
  }
  const prefix = townKeys(s.town).prefix;
  for (const [key, dump] of Object.entries(s.keys)) {
    const shown = plainOrQuoted(key);
    if (!key.startsWith(prefix)) {
      throw bad(`key ${shown} is not a key of town ${plainOrQuoted(s.town)}`);
    }
    const problem = keyDumpProblem(dump) ?? agentRecordProblem(key.slice(prefix.length), dump);
    if (problem) throw bad(`key ${shown} ${problem}`);
  }
  return { ...s, saved_at: s.saved_at ?? "an unknown time" } as TownState;
}

/**
 * Writes a snapshot into the town (keys renamed to `keys.prefix` if it came from another
 * town), in one transaction after deleting `replace` (the town's current keys) and every key
 * it writes.
 */
export async function writeTownState(
  redis: RedisClient,
  keys: TownKeys,
  state: TownState,
  replace: readonly string[],
): Promise<void> {
  const from = townKeys(state.town).prefix;
  const tx = redis.multi();
  const targets = Object.keys(state.keys).map((k) => keys.prefix + k.slice(from.length));
  // Every written key is cleared too: one created since `replace` was listed (a live agent's
  // event) would otherwise be merged into, or refuse, the snapshot's value.
  const clear = [...new Set([...replace, ...targets])];
  if (clear.length) tx.add("DEL", ...clear);
  for (const [oldKey, dump] of Object.entries(state.keys)) {
    const key = keys.prefix + oldKey.slice(from.length);
    addWrites(tx, key, dump);
    if (dump.ttl_ms && dump.ttl_ms > 0) tx.add("PEXPIRE", key, dump.ttl_ms);
  }
  // The snapshot's per-state sets may be missing or stale (another tool's, an older tt's):
  // recount them from the restored records in the same transaction.
  new TaskStates(redis, keys).rebuildTo(tx);
  const failed = (await tx.exec()).find((r) => r instanceof RedisReplyError);
  if (failed) throw new TtError(`restore was incomplete: Redis refused a write (${failed})`);
}

function addWrites(tx: ReturnType<RedisClient["multi"]>, key: string, dump: KeyDump): void {
  switch (dump.type) {
    case "string":
      tx.add("SET", key, fromBytes(dump.value));
      return;
    case "hash": {
      const args = Object.entries(dump.value).flatMap(([f, v]) => [f, fromBytes(v)]);
      if (args.length) tx.add("HSET", key, ...args);
      return;
    }
    case "list":
      if (dump.value.length) tx.add("RPUSH", key, ...dump.value.map(fromBytes));
      return;
    case "set":
      if (dump.value.length) tx.add("SADD", key, ...dump.value.map(fromBytes));
      return;
    case "zset":
      if (dump.value.length) {
        tx.add("ZADD", key, ...dump.value.flatMap(([m, s]) => [s, fromBytes(m)]));
      }
      return;
    case "stream": {
      const s = dump.value;
      for (const e of s.entries) tx.add("XADD", key, e.id, ...e.fields.flat().map(fromBytes));
      if (s.entries.length === 0) {
        // An empty stream still exists (and keeps its last id): create it through a group.
        tx.add("XGROUP", "CREATE", key, "tt-restore", "0", "MKSTREAM");
        tx.add("XGROUP", "DESTROY", key, "tt-restore");
      }
      const setId: RedisArg[] = ["XSETID", key, s.last_id];
      if (s.entries_added !== undefined) setId.push("ENTRIESADDED", s.entries_added);
      if (s.max_deleted_id !== undefined) setId.push("MAXDELETEDID", s.max_deleted_id);
      tx.add(...setId);
      for (const g of s.groups) {
        const id = g.pending_from ? before(g.pending_from) : g.last_delivered_id;
        tx.add("XGROUP", "CREATE", key, g.name, id);
      }
      return;
    }
  }
}
