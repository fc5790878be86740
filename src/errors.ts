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
