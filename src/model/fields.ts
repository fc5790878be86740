/**
 * Strict readers for the serde JSON forms (messages, events, agent/task JSON). They mirror
 * what serde accepts: required fields must be present with the right type, `Option` fields may
 * be missing or null, ids may use any UUID spelling. Failures throw DecodeError, which the
 * public decoders turn into a result or a TtError.
 */
import { parseId } from "./ids.ts";
import { parseTime } from "./time.ts";

export class DecodeError extends Error {}

export type JsonObject = Record<string, unknown>;

/** A whole-record save: fields to HSET, and absent optional fields to HDEL first. */
export interface HashWrite {
  set: Record<string, string>;
  del: string[];
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses text that must hold a JSON object. */
export function parseJsonObject(text: unknown, what: string): JsonObject {
  if (typeof text !== "string") throw new DecodeError(`${what} is not text`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DecodeError(`${what} is not valid JSON`);
  }
  if (!isJsonObject(value)) throw new DecodeError(`${what} is not a JSON object`);
  return value;
}

function has(o: JsonObject, key: string): boolean {
  return Object.hasOwn(o, key) && o[key] !== undefined;
}

export function reqString(o: JsonObject, key: string): string {
  const v = o[key];
  if (!has(o, key)) throw new DecodeError(`missing field '${key}'`);
  if (typeof v !== "string") throw new DecodeError(`field '${key}' is not a string`);
  return v;
}

export function optString(o: JsonObject, key: string): string | undefined {
  if (!has(o, key) || o[key] === null) return undefined;
  return reqString(o, key);
}

export function reqId(o: JsonObject, key: string): string {
  const id = parseId(reqString(o, key));
  if (id === undefined) throw new DecodeError(`field '${key}' is not a UUID`);
  return id;
}

export function optId(o: JsonObject, key: string): string | undefined {
  if (!has(o, key) || o[key] === null) return undefined;
  return reqId(o, key);
}

export function reqTime(o: JsonObject, key: string): Date {
  const t = parseTime(reqString(o, key));
  if (t === undefined) throw new DecodeError(`field '${key}' is not an RFC 3339 timestamp`);
  return t;
}

export function optTime(o: JsonObject, key: string): Date | undefined {
  if (!has(o, key) || o[key] === null) return undefined;
  return reqTime(o, key);
}

/** A string enum value; `aliases` maps extra accepted spellings onto values. */
export function reqEnum<T extends string>(
  o: JsonObject,
  key: string,
  values: readonly T[],
  aliases: Readonly<Record<string, T>> = {},
): T {
  const v = reqString(o, key);
  if ((values as readonly string[]).includes(v)) return v as T;
  if (Object.hasOwn(aliases, v)) return aliases[v];
  throw new DecodeError(`field '${key}' has unknown value '${v.slice(0, 40)}'`);
}

export function optEnum<T extends string>(
  o: JsonObject,
  key: string,
  values: readonly T[],
): T | undefined {
  if (!has(o, key) || o[key] === null) return undefined;
  return reqEnum(o, key, values);
}

/** An unsigned integer counter (serde u64). */
export function reqCount(o: JsonObject, key: string): number {
  const v = o[key];
  if (!has(o, key)) throw new DecodeError(`missing field '${key}'`);
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new DecodeError(`field '${key}' is not a non-negative integer`);
  }
  return v;
}

export function optCount(o: JsonObject, key: string): number | undefined {
  if (!has(o, key) || o[key] === null) return undefined;
  return reqCount(o, key);
}

/** Reads a hash counter the way Rust's `u64::from_str` does; anything else is undefined. */
export function parseCounter(s: string | undefined): number | undefined {
  if (s === undefined || !/^\+?\d+$/.test(s)) return undefined;
  const n = Number(s.startsWith("+") ? s.slice(1) : s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * `o` without the properties whose value is undefined (in the same order), so records built
 * here never carry explicit `undefined` optionals (they would make deep-equality comparisons
 * of records unreliable). A copy, not `delete`: deleting turns an object into a slow
 * dictionary, and `tt status` builds, spreads and prints thousands of these records.
 */
export function dropUndefined<T extends object>(o: T): T {
  const out = {} as T;
  for (const key of Object.keys(o) as (keyof T)[]) {
    if (o[key] !== undefined) out[key] = o[key];
  }
  return out;
}
