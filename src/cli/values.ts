/**
 * Option value parsers every command group shares, without commander (the fast parser's
 * commands load this, see src/cli/fast/). A bad value is a UsageError (exit 2) with one message
 * shape: `<what> must be <rule>, got '<value>'`.
 */
import { UsageError } from "../errors.ts";

/** A whole number of at least `min` (default 0): `--round`, `--max-rounds`, `--count`. */
export function wholeNumber(what: string, min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      const rule = min > 0 ? `a whole number >= ${min}` : "a whole number";
      throw new UsageError(`${what} must be ${rule}, got '${value}'`);
    }
    return n;
  };
}

/** A number of seconds, fractions allowed: `--timeout`. */
export function seconds(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n >= 0)) throw new UsageError(`${what} must be a number of seconds, got '${value}'`);
    return n;
  };
}

/** A value checked by `parse`, whose error message becomes the usage error. */
export function checked<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
}

/**
 * The help of `--json`: the command prints one JSON document (`print <what> as JSON`) instead
 * of lines for people; `description` replaces the whole text where it means something else.
 */
export function jsonHelp(what = "the result", description?: string): string {
  return description ?? `print ${what} as JSON`;
}

/** A TCP port, 0 (any free port) to 65535: `tt townhall rest|mcp-http --port`. */
export function portNumber(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n > 65535) {
      throw new UsageError(`${what} must be a port number from 0 to 65535, got '${value}'`);
    }
    return n;
  };
}
