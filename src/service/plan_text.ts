/**
 * The text layer of `tasks.toml`: where each table and key sits in the file, how to write a
 * value, and how to change values in place. `tt sync pull` edits only the lines whose values
 * changed, so the user's comments, ordering and formatting survive.
 */
import { parse, stringify } from "smol-toml";

/** One `key = value` in the file; lines are 0-based and `end` is inclusive. */
export interface KeySpan {
  /** The key as written before `=` (quotes and dots included). */
  raw: string;
  /** The key's name when it is a single (bare or quoted) key; dotted keys keep `raw`. */
  key: string;
  start: number;
  end: number;
}

/** A table of the file: the part before any header, a `[table]` or one `[[array]]` element. */
export interface TableBlock {
  /** Header text without brackets (`tasks`, `meta`); "" for the part before any header. */
  name: string;
  /** True for `[[name]]`. */
  array: boolean;
  /** Line of the header; -1 for the part before any header. */
  header: number;
  keys: KeySpan[];
}

export interface Layout {
  lines: string[];
  /** The file's line ending, kept when writing. */
  eol: string;
  blocks: TableBlock[];
}

const KEY_PART = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const KEY_LINE = new RegExp(String.raw`^\s*(${KEY_PART}(?:\s*\.\s*${KEY_PART})*)\s*=`);
const HEADER = /^\s*(\[\[?)\s*([^\]]*?)\s*\]\]?\s*(#.*)?$/;

function keyName(raw: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(raw)) return raw;
  if (raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) return raw.slice(1, -1);
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      return raw;
    }
  }
  return raw;
}

function parses(snippet: string): boolean {
  try {
    parse(snippet);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds every table and key of a file that parses as TOML. A value may span lines (arrays,
 * multi-line strings): its span ends at the first line where `key = …` parses on its own.
 */
export function scanLayout(text: string): Layout {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split(/\r?\n/);
  const blocks: TableBlock[] = [{ name: "", array: false, header: -1, keys: [] }];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const header = HEADER.exec(line);
    if (header && !KEY_LINE.test(line)) {
      blocks.push({ name: keyName(header[2]), array: header[1] === "[[", header: i, keys: [] });
      continue;
    }
    const m = KEY_LINE.exec(line);
    if (!m) continue;
    let end = i;
    while (end < lines.length - 1 && !parses(lines.slice(i, end + 1).join("\n"))) end++;
    blocks[blocks.length - 1].keys.push({ raw: m[1], key: keyName(m[1]), start: i, end });
    i = end;
  }
  return { lines, eol, blocks };
}

/** The elements of `[[name]]`, in file order. */
export function arrayBlocks(layout: Layout, name: string): TableBlock[] {
  return layout.blocks.filter((b) => b.array && b.name === name);
}

/** 1-based line of `key` in `block`, else of its header. */
export function lineOf(block: TableBlock | undefined, key?: string): number | undefined {
  if (!block) return undefined;
  const span = key === undefined ? undefined : block.keys.find((k) => k.key === key);
  if (span) return span.start + 1;
  return block.header >= 0 ? block.header + 1 : undefined;
}

/** A TOML string literal (basic string, escaped as TOML requires). */
export function tomlString(s: string): string {
  return stringify({ v: s }).trim().slice("v = ".length);
}

/** A one-line TOML array of strings: `["a", "b"]`. */
export function tomlStringArray(items: readonly string[]): string {
  return `[${items.map(tomlString).join(", ")}]`;
}

/** Where a `#` comment starts on a one-line `key = value` line, or -1. */
function commentStart(line: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < line.length; i++) {
    const c = line[i];
    if (quote === '"' && c === "\\") {
      i++;
    } else if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "#") {
      return i;
    }
  }
  return -1;
}

/** New values for keys of one block: a rendered TOML value, or undefined to remove the key. */
export interface BlockEdit {
  block: TableBlock;
  values: ReadonlyMap<string, string | undefined>;
}

/**
 * Applies value changes line by line. A changed one-line value keeps the text around it (its
 * indentation, spacing and trailing comment); a new key goes after the block's last key.
 * `append` (already rendered TOML) is added at the end of the file.
 */
export function editLayout(layout: Layout, edits: readonly BlockEdit[], append = ""): string {
  const { lines } = layout;
  const replace = new Map<number, string>();
  const dropped = new Set<number>();
  const insertAfter = new Map<number, string[]>();
  for (const { block, values } of edits) {
    const last = block.keys.length ? block.keys[block.keys.length - 1].end : block.header;
    const indent = block.keys.length ? /^\s*/.exec(lines[block.keys[0].start])![0] : "";
    for (const [key, value] of values) {
      const span = block.keys.find((k) => k.key === key);
      if (!span) {
        if (value === undefined) continue;
        insertAfter.set(last, [...(insertAfter.get(last) ?? []), `${indent}${key} = ${value}`]);
        continue;
      }
      for (let i = span.start; i <= span.end; i++) dropped.add(i);
      if (value === undefined) continue;
      const line = lines[span.start];
      const keyEnd = line.indexOf(span.raw) + span.raw.length;
      const prefix = line.slice(0, keyEnd) + /^\s*=\s*/.exec(line.slice(keyEnd))![0];
      let tail = "";
      if (span.start === span.end) {
        const c = commentStart(line, prefix.length);
        if (c >= 0) tail = /\s*$/.exec(line.slice(0, c))![0] + line.slice(c);
      }
      dropped.delete(span.start);
      replace.set(span.start, prefix + value + tail);
    }
  }
  const out: string[] = [];
  if (insertAfter.has(-1)) out.push(...insertAfter.get(-1)!);
  for (let i = 0; i < lines.length; i++) {
    if (replace.has(i)) out.push(replace.get(i)!);
    else if (!dropped.has(i)) out.push(lines[i]);
    if (insertAfter.has(i)) out.push(...insertAfter.get(i)!);
  }
  let text = out.join(layout.eol);
  if (append !== "") {
    text = text.replace(/(\r?\n)*$/, "") + layout.eol + layout.eol +
      append.trimEnd().split("\n").join(layout.eol);
  }
  return text.endsWith(layout.eol) ? text : text + layout.eol;
}
