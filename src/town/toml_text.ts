/**
 * TOML text to documents and back, with smol-toml: one-line located parse errors, and the
 * layout tt writes. Kept apart from toml_file.ts so that reading a plain tinytown.toml (see
 * toml_plain.ts) does not load the npm package.
 */
import { parse, stringify, TomlError } from "smol-toml";
import { ConfigError } from "../errors.ts";
import type { TomlSource, TomlTable } from "./toml_file.ts";

/**
 * Parses TOML text. Integers come back as bigint so a float like `10.0` is not mistaken for an
 * integer; the typed readers below convert them. Errors become `file:line:col: message`.
 */
export function parseToml(src: TomlSource): TomlTable {
  try {
    return parse(src.text, { integersAsBigInt: true }) as TomlTable;
  } catch (err) {
    if (err instanceof TomlError) {
      // smol-toml appends a multi-line code frame; keep only the headline.
      const headline = err.message.split("\n")[0].replace(/^Invalid TOML document:\s*/, "");
      throw new ConfigError(`${src.file}:${err.line}:${err.column}: invalid TOML: ${headline}`);
    }
    throw err;
  }
}

/**
 * Serialises a document with a blank line before every table header (smol-toml leaves none
 * after an empty table) and exactly one trailing newline. smol-toml writes strings and arrays
 * on one line, so a line starting with `[` is always a header.
 */
export function stringifyToml(doc: TomlTable): string {
  const text = stringify(doc).replace(/([^\n])\n\[/g, "$1\n\n[").trim();
  return text === "" ? "" : `${text}\n`;
}
