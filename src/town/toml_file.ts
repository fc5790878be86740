/**
 * Shared plumbing for tt's TOML files (town config, global config, registry): typed field
 * reading that names the offending key and line, merging
 * known fields back into the document as read (so unknown keys survive a save), and atomic
 * writes.
 */
import { dirname } from "../path.ts";
import { ConfigError } from "../errors.ts";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../private_files.ts";

export type TomlTable = Record<string, unknown>;

/** A parsed file: where it came from and its text, so errors can point at lines. */
export interface TomlSource {
  file: string;
  text: string;
}

export function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

/** Reads a file, returning undefined when it does not exist. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Writes via a temporary file in the same directory and a rename, so readers never see half.
 * `private`: the file is 0600 (and a folder made for it 0700), for files that may hold a
 * password; the temporary file is created so, so the text is never readable by others.
 */
export async function writeTextAtomic(
  file: string,
  text: string,
  options: { private?: boolean } = {},
): Promise<void> {
  const tmp = `${file}.tmp-${crypto.randomUUID()}`;
  try {
    // An existing folder is left as it is: it may be the town's root.
    await Deno.mkdir(dirname(file), {
      recursive: true,
      ...(options.private ? { mode: PRIVATE_DIR_MODE } : {}),
    });
    await Deno.writeTextFile(tmp, text, options.private ? { mode: PRIVATE_FILE_MODE } : {});
    await Deno.rename(tmp, file);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw new ConfigError(`cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Creates `file` with `text` unless it already exists; false when it did. Of several writers
 * racing for one name exactly one wins, and readers never see half a file: the text goes to a
 * temporary file that is hard-linked into place (link refuses an existing name). Where hard
 * links are not supported, an exclusive create (O_EXCL) keeps the one-winner rule.
 */
export async function writeTextExclusive(
  file: string,
  text: string,
  options: { mode?: number } = {},
): Promise<boolean> {
  const tmp = `${file}.tmp-${crypto.randomUUID()}`;
  try {
    await Deno.writeTextFile(tmp, text, { mode: options.mode });
    try {
      await Deno.link(tmp, file);
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) return false;
      // No hard links on this filesystem (some network or FUSE ones): fall through.
    }
    try {
      await Deno.writeTextFile(file, text, { createNew: true, mode: options.mode });
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) return false;
      throw err;
    }
  } catch (err) {
    throw new ConfigError(`cannot write ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Locating keys in the text (best effort: good enough to point a human at the right line).

/** Splits a dotted TOML key (`a."b.c".d`) into its parts; undefined if it does not parse. */
function splitKey(text: string): string[] | undefined {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    parts.push(m[1] ?? m[2] ?? m[3]);
    pos = re.lastIndex;
    if (m[4] === "") break;
  }
  return parts.length > 0 ? parts : undefined;
}

/** 1-based line where `path` is defined (as a key or a table header), if it can be found. */
function lineOfExactPath(text: string, path: readonly string[]): number | undefined {
  const wanted = path.join("\u0000");
  let table: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const header = /^\[\[?([^\]]*)\]\]?/.exec(line);
    if (header) {
      table = splitKey(header[1]) ?? [];
      if (table.join("\u0000") === wanted) return i + 1;
      continue;
    }
    const eq = line.search(/=/);
    if (eq <= 0) continue;
    const key = splitKey(line.slice(0, eq));
    if (key && [...table, ...key].join("\u0000") === wanted) return i + 1;
  }
  return undefined;
}

/** The line of `path`, else of its closest enclosing key (e.g. an inline table). */
export function findKeyLine(text: string, path: readonly string[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = lineOfExactPath(text, path.slice(0, n));
    if (line !== undefined) return line;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Typed readers. `path` is the full dotted path of the key; `table` is its parent table.

function describe(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "bigint") return `the integer ${value}`;
  if (typeof value === "number") return `the float ${value}`;
  if (typeof value === "boolean") return `the boolean ${value}`;
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date";
  return "a table";
}

export function keyError(src: TomlSource, path: readonly string[], problem: string): ConfigError {
  const line = findKeyLine(src.text, path);
  const where = line === undefined ? src.file : `${src.file}:${line}`;
  return new ConfigError(`${where}: '${path.join(".")}' ${problem}`);
}

function wrongType(src: TomlSource, path: readonly string[], expected: string, value: unknown) {
  return keyError(src, path, `must be ${expected}, not ${describe(value)}`);
}

export function readTable(
  src: TomlSource,
  table: TomlTable,
  path: readonly string[],
): TomlTable | undefined {
  const value = table[path[path.length - 1]];
  if (value === undefined) return undefined;
  if (!isTable(value)) throw wrongType(src, path, "a table", value);
  return value;
}

export function readString(
  src: TomlSource,
  table: TomlTable,
  path: readonly string[],
): string | undefined {
  const value = table[path[path.length - 1]];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw wrongType(src, path, "a string", value);
  return value;
}

export function readBool(
  src: TomlSource,
  table: TomlTable,
  path: readonly string[],
): boolean | undefined {
  const value = table[path[path.length - 1]];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw wrongType(src, path, "true or false", value);
  return value;
}

export function readInt(
  src: TomlSource,
  table: TomlTable,
  path: readonly string[],
  range: { min: number; max: number },
): number | undefined {
  const value = table[path[path.length - 1]];
  if (value === undefined) return undefined;
  const expected = `an integer from ${range.min} to ${range.max}`;
  if (typeof value !== "bigint") throw wrongType(src, path, expected, value);
  if (value < BigInt(range.min) || value > BigInt(range.max)) {
    throw keyError(src, path, `must be ${expected}, not ${value}`);
  }
  return Number(value);
}

export function readStringArray(
  src: TomlSource,
  table: TomlTable,
  path: readonly string[],
): string[] | undefined {
  const value = table[path[path.length - 1]];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw wrongType(src, path, "an array of strings", value);
  }
  return [...value] as string[];
}

/** A table whose keys are user-chosen and whose values must all be strings. */
export function readStringMap(
  src: TomlSource,
  table: TomlTable,
  path: readonly string[],
): Record<string, string> | undefined {
  const map = readTable(src, table, path);
  if (map === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const key of Object.keys(map)) {
    out[key] = readString(src, map, [...path, key]) as string;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Saving: merge the known fields into a copy of the document as read.

function cloneTables(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneTables);
  if (!isTable(value)) return value;
  const out: TomlTable = {};
  for (const [k, v] of Object.entries(value)) out[k] = cloneTables(v);
  return out;
}

/**
 * Returns a copy of `raw` with `known` merged in: known keys are overwritten (an undefined
 * value removes the key), tables merge recursively so unknown keys inside them stay, and at
 * the paths where `isMap` says the keys are user data, keys absent from `known` are dropped.
 * Key order of `raw` is kept; new keys are appended in `known`'s order.
 */
export function mergeKnown(
  raw: TomlTable,
  known: TomlTable,
  isMap: (path: readonly string[]) => boolean = () => false,
): TomlTable {
  const merge = (target: TomlTable, source: TomlTable, path: string[]): void => {
    if (isMap(path)) {
      for (const key of Object.keys(target)) if (!(key in source)) delete target[key];
    }
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined) {
        delete target[key];
      } else if (isTable(value)) {
        const existing = target[key];
        const child: TomlTable = isTable(existing) ? existing : {};
        target[key] = child;
        merge(child, value, [...path, key]);
      } else {
        target[key] = value;
      }
    }
  };
  const out = cloneTables(raw) as TomlTable;
  merge(out, known, []);
  return out;
}
