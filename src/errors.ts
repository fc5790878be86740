/**
 * User-facing errors. Domain code throws these; the CLI prints `error: <message>` on stderr
 * and exits with `exitCode`. The message must be one readable line that says what went wrong
 * and, where it helps, what to do about it.
 */
export class TtError extends Error {
  /** The exit code the CLI uses for it (1, or 2 for usage errors). */
  readonly exitCode: number;
  /** `message` is the one line shown; `cause` the underlying error, if any. */
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Bad command-line usage (exit 2, like a parser error). */
export class UsageError extends TtError {
  /** A usage error with exit code 2. */
  constructor(message: string) {
    super(message, { exitCode: 2 });
  }
}

/** A configuration file or value is wrong. */
export class ConfigError extends TtError {}

/** The town folder has no tinytown.toml. */
export class NotInitializedError extends TtError {
  /** `townPath` is the folder without a tinytown.toml. */
  constructor(readonly townPath: string) {
    super(`no town at ${townPath}: tinytown.toml not found (run 'tt init' there first)`);
  }
}

/** No agent matches a reference (or the reference names the conductor's mailbox). */
export class AgentNotFoundError extends TtError {
  /** `ref` is the reference as given; `detail` replaces the default message. */
  constructor(readonly ref: string, detail?: string) {
    super(detail ?? `agent not found: ${ref}`);
  }
}

/** No task matches an id or id prefix. */
export class TaskNotFoundError extends TtError {
  /** `ref` is the reference as given; `detail` replaces the default message. */
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
