/**
 * Checks one key of a state file before `tt restore` writes anything. Redis transactions do
 * not roll back: a value Redis refuses half-way (a bad score, a stream id out of order) would
 * leave the town with its old keys deleted and only part of the snapshot written. So every
 * value that Redis could refuse is rejected here, by the reason this returns.
 */
import { agentNameProblem } from "../model/names.ts";

/**
 * Why an agent record (`rest` is the key after the town prefix) cannot be restored: its name
 * would be used in file paths, so it must be a valid agent name (an edited file could say
 * `../../escaped`). Other keys, and records in no known form, pass.
 */
export function agentRecordProblem(rest: string, dump: unknown): string | undefined {
  if (!rest.startsWith("agent:") || !isObject(dump)) return undefined;
  let name: unknown;
  if (dump.type === "hash" && isObject(dump.value)) name = dump.value.name;
  else if (dump.type === "string" && typeof dump.value === "string") {
    try {
      const record = JSON.parse(dump.value);
      if (!isObject(record)) return undefined;
      name = record.name;
    } catch {
      return undefined; // not a JSON record: nothing tt reads as an agent
    }
  } else return undefined;
  const problem = agentNameProblem(name);
  return problem === undefined ? undefined : `is an agent whose name is refused: ${problem}`;
}

/** Why `dump` (one entry of the file's `keys`) cannot be restored, or undefined when it can. */
export function keyDumpProblem(dump: unknown): string | undefined {
  if (!isObject(dump)) return "is not an object";
  const { type, value, ttl_ms: ttl } = dump;
  if (ttl !== undefined && !(Number.isSafeInteger(ttl) && (ttl as number) >= 0)) {
    return "has a ttl_ms that is not a whole number of milliseconds";
  }
  switch (type) {
    case "string":
      return isBytes(value) ? undefined : "has a value that is not text or { base64 }";
    case "hash":
      return isObject(value) && Object.values(value).every(isBytes)
        ? undefined
        : "has a hash value that is not an object of text values";
    case "list":
    case "set":
      return Array.isArray(value) && value.every(isBytes)
        ? undefined
        : `has a ${type} value that is not an array of text values`;
    case "zset":
      return Array.isArray(value) &&
          value.every((e) => Array.isArray(e) && e.length === 2 && isBytes(e[0]) && isScore(e[1]))
        ? undefined
        : "has a zset value that is not an array of [member, score] pairs";
    case "stream":
      return streamProblem(value);
    default:
      return "has an unknown type";
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isBytes(v: unknown): boolean {
  if (typeof v === "string") return true;
  return isObject(v) && typeof v.base64 === "string" && BASE64.test(v.base64);
}

/** A score Redis parses: a number, or text of one (including inf / -inf). */
function isScore(v: unknown): boolean {
  if (typeof v === "number") return !Number.isNaN(v);
  if (typeof v !== "string" || v === "" || /\s/.test(v)) return false;
  return /^[+-]?inf(inity)?$/i.test(v) || !Number.isNaN(Number(v));
}

type StreamId = [bigint, bigint];
const MAX_U64 = (1n << 64n) - 1n;

function streamId(v: unknown): StreamId | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^(\d+)-(\d+)$/.exec(v);
  if (!m) return undefined;
  const id: StreamId = [BigInt(m[1]), BigInt(m[2])];
  return id[0] <= MAX_U64 && id[1] <= MAX_U64 ? id : undefined;
}

function compareIds(a: StreamId, b: StreamId): number {
  return a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1;
}

function streamProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "has a stream value that is not an object";
  const { entries, groups, last_id: lastRaw, entries_added: added } = value;
  if (!Array.isArray(entries) || !Array.isArray(groups)) {
    return "has a stream value without entries and groups arrays";
  }
  const lastId = streamId(lastRaw);
  if (!lastId) return "has a stream last_id that is not a stream id (ms-seq)";
  let previous: StreamId = [0n, 0n];
  for (const entry of entries) {
    const id = isObject(entry) ? streamId(entry.id) : undefined;
    if (!id || !isObject(entry) || compareIds(id, previous) <= 0) {
      return "has stream entries whose ids are missing, 0-0 or not increasing";
    }
    const fields = entry.fields;
    if (
      !Array.isArray(fields) || fields.length === 0 ||
      !fields.every((f) => Array.isArray(f) && f.length === 2 && isBytes(f[0]) && isBytes(f[1]))
    ) {
      return "has a stream entry whose fields are not [name, value] pairs";
    }
    previous = id;
  }
  if (compareIds(lastId, previous) < 0) return "has a stream last_id below its newest entry";
  if (added !== undefined && !(Number.isSafeInteger(added) && added as number >= entries.length)) {
    return "has a stream entries_added below its number of entries";
  }
  const maxDeleted = value.max_deleted_id;
  if (maxDeleted !== undefined) {
    const id = streamId(maxDeleted);
    if (!id || compareIds(id, lastId) > 0) return "has a stream max_deleted_id above its last_id";
  }
  const names = new Set<string>();
  for (const g of groups) {
    if (
      !isObject(g) || typeof g.name !== "string" || g.name === "" || names.has(g.name) ||
      !streamId(g.last_delivered_id) ||
      (g.pending_from !== undefined && !streamId(g.pending_from))
    ) {
      return "has a stream group without a unique name and valid ids";
    }
    names.add(g.name);
  }
  return undefined;
}
