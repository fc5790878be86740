/**
 * User-facing errors. Domain code throws these; the CLI prints `error: <message>` on stderr
 * and exits with `exitCode`. The message must be one readable line that says what went wrong
 * and, where it helps, what to do about it.
 */
export class TtError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Bad command-line usage (exit 2, like a parser error). */
export class UsageError extends TtError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
  }
}

/** A configuration file or value is wrong. */
export class ConfigError extends TtError {}

/** The town folder has no tinytown.toml. */
export class NotInitializedError extends TtError {
  constructor(readonly townPath: string) {
    super(`no town at ${townPath}: tinytown.toml not found (run 'tt init' there first)`);
  }
}

export class AgentNotFoundError extends TtError {
  constructor(readonly ref: string, detail?: string) {
    super(detail ?? `agent not found: ${ref}`);
  }
}

export class TaskNotFoundError extends TtError {
  constructor(readonly ref: string, detail?: string) {
    super(detail ?? `task not found: ${ref}`);
  }
}

/** redis-server is missing, too old, or could not be started or stopped. */
export class RedisServerError extends TtError {}

/** Turns anything thrown into the one line we print. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split("\n")[0] || err.name;
  return String(err);
}

/** Characters JSON.stringify leaves as they are but a terminal or a reader must not get raw. */
const UNSAFE_IN_QUOTES = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from a file or another program, for an error line: JSON-quoted (control characters,
 * quotes and newlines escaped), cut to `max` characters with "…" after the quote when longer.
 */
export function quoteExcerpt(text: string, max = 40): string {
  const quoted = JSON.stringify(text.length > max ? text.slice(0, max) : text)
    .replace(UNSAFE_IN_QUOTES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return text.length > max ? `${quoted}…` : quoted;
}

/** A name from a file (a key, a town): as it is when plain printable ASCII, else quoted. */
export function plainOrQuoted(text: string, max = 100): string {
  return /^[\x21-\x7e]+$/.test(text) && text.length <= max ? text : quoteExcerpt(text, max);
}
