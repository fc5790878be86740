/** Errors raised by the Redis client. Each carries a one-line message fit to show a user. */

/** Any error of the Redis client; the subclasses say which kind. */
export class RedisError extends Error {
  /** `message` is one line fit to show a user. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Redis answered with an error reply; `code` is its first word (ERR, WRONGTYPE, NOSCRIPT...). */
export class RedisReplyError extends RedisError {
  /** The first word of the reply: ERR, WRONGTYPE, NOSCRIPT, ... */
  readonly code: string;
  /** `text` is the error reply as Redis sent it. */
  constructor(readonly text: string) {
    super(text);
    const space = text.indexOf(" ");
    this.code = space < 0 ? text : text.slice(0, space);
  }
}

/** The connection could not be opened, or broke while commands were in flight. */
export class RedisConnectionError extends RedisError {
  /** Why, without the endpoint (e.g. "connection refused"), for callers that name it themselves. */
  readonly reason?: string;
  /** `message` names the endpoint; `reason` is the same without it. */
  constructor(message: string, options?: { cause?: unknown; reason?: string }) {
    super(message, options);
    this.reason = options?.reason;
  }
}

/** The server was still loading its data set (LOADING) when the wait for it ran out. */
export class RedisLoadingError extends RedisConnectionError {}

/** The client was closed (or the command's signal aborted) before a reply arrived. */
export class RedisClosedError extends RedisError {}

/** Connecting or a command took longer than allowed. */
export class RedisTimeoutError extends RedisError {}

/** AUTH was refused (wrong password or user). */
export class RedisAuthError extends RedisError {}
