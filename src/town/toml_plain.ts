/**
 * A reader for plain TOML: the shape tt writes its own files in (`[table]` headers, `key =`
 * lines of basic strings (escaping only `"` and `\`), decimal integers, booleans and arrays of such
 * strings, whole-line comments). It gives exactly what smol-toml's `parse` with
 * `integersAsBigInt` gives (null-prototype tables, bigint integers), or undefined for
 * anything else, which then goes to smol-toml: errors and the rest of TOML are its job.
 *
 * Why: loading smol-toml (an npm package) and its first parse were a tenth of the start-up of
 * the commands agents run in every round, which read tinytown.toml and nothing else.
 * tests/town_toml_plain.test.ts compares the two on generated and random documents.
 */
import type { TomlTable } from "./toml_file.ts";

/** Control characters TOML refuses (tab aside), `\r` (left to smol-toml), and a BOM. */
// deno-lint-ignore no-control-regex -- refusing control characters is the point
const UNPLAIN_CHARS = /[\x00-\x08\x0b-\x1f\x7f\ufeff]/;
const BARE_KEY = "[A-Za-z0-9_-]+";
const HEADER = new RegExp(`^\\[(${BARE_KEY}(?:\\.${BARE_KEY})*)\\]$`);
const KEY_VALUE = new RegExp(`^(${BARE_KEY})[ \\t]*=[ \\t]*(.*)$`);
/** A basic string whose only escapes are `\"` and `\\`; tabs are left to smol-toml. */
const STRING_SOURCE = String.raw`"(?:[^"\\\t]|\\["\\])*"`;
const STRING = new RegExp(`^${STRING_SOURCE}$`);
const STRINGS = new RegExp(STRING_SOURCE, "g");
const INTEGER = /^[+-]?(?:0|[1-9][0-9]*)$/;
const STRING_ARRAY = new RegExp(
  `^\\[[ \\t]*(?:${STRING_SOURCE}[ \\t]*(?:,[ \\t]*${STRING_SOURCE}[ \\t]*)*)?\\]$`,
);

function newTable(): TomlTable {
  return Object.create(null);
}

/** The text of a basic string that STRING matched. */
function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(["\\])/g, "$1");
}

function plainValue(text: string): unknown {
  if (STRING.test(text)) return unquote(text);
  if (text === "true") return true;
  if (text === "false") return false;
  if (INTEGER.test(text)) return BigInt(text);
  if (STRING_ARRAY.test(text)) return [...text.matchAll(STRINGS)].map((m) => unquote(m[0]));
  return undefined;
}

/** The document, or undefined when `text` is not plain TOML (see above). */
export function parsePlainToml(text: string): TomlTable | undefined {
  if (UNPLAIN_CHARS.test(text)) return undefined;
  const root = newTable();
  let table = root;
  /** Tables named by a header so far: naming one twice is an error, smol-toml's to report. */
  const headed = new Set<TomlTable>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^[ \t]+|[ \t]+$/g, "");
    if (line === "" || line[0] === "#") continue;
    const header = HEADER.exec(line);
    if (header) {
      table = root;
      for (const key of header[1].split(".")) {
        if (key === "__proto__") return undefined;
        if (!Object.hasOwn(table, key)) table[key] = newTable();
        const next = table[key];
        if (typeof next !== "object" || next === null || Array.isArray(next)) return undefined;
        table = next as TomlTable;
      }
      if (headed.has(table)) return undefined;
      headed.add(table);
      continue;
    }
    const pair = KEY_VALUE.exec(line);
    if (!pair) return undefined;
    const [, key, valueText] = pair;
    if (key === "__proto__" || Object.hasOwn(table, key)) return undefined;
    const value = plainValue(valueText);
    if (value === undefined) return undefined;
    table[key] = value;
  }
  return root;
}
