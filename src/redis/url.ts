/** Redis endpoints and the URLs that name them. */
import { RedisError } from "./errors.ts";

export type Endpoint =
  | { kind: "unix"; path: string }
  | { kind: "tcp"; hostname: string; port: number }
  | { kind: "tls"; hostname: string; port: number; caCerts?: string[] };

/** Where to connect and how to introduce ourselves once connected. */
export interface ConnectOptions {
  endpoint: Endpoint;
  username?: string;
  password?: string;
  db?: number;
  /** How long opening the socket (and AUTH/SELECT) may take. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Set with CLIENT SETNAME on every connection, so CLIENT LIST can tell whose it is. */
  clientName?: string;
  /**
   * When set, connecting also sends a PING, and a server that answers LOADING (just started,
   * still reading its data) is waited for up to this long before connecting fails. Unset, the
   * connect is AUTH/SELECT/SETNAME only (no round trip at all without them).
   */
  loadingTimeoutMs?: number;
}

/**
 * Parses `redis://[user:pass@]host[:port][/db]`, `rediss://...` and
 * `unix:///path/to.sock[?db=N][&password=..]`. User info is percent-decoded.
 */
export function parseRedisUrl(url: string): ConnectOptions {
  const text = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new RedisError(`invalid Redis URL: ${redactUrl(text)}`);
  }
  // Passwords may be written raw (tt's own URLs do not percent-encode them), so a `%` that
  // is not an escape is kept as it is.
  const username = parsed.username ? safeDecode(parsed.username) : undefined;
  const password = parsed.password ? safeDecode(parsed.password) : undefined;
  const auth = {
    ...(username ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
  switch (parsed.protocol) {
    case "redis:":
    case "rediss:": {
      const hostname = parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
      const port = parsed.port ? Number(parsed.port) : 6379;
      const path = parsed.pathname.replace(/^\//, "");
      const db = path ? parseDb(path, text) : dbFromQuery(parsed, text);
      return {
        endpoint: parsed.protocol === "rediss:"
          ? { kind: "tls", hostname, port }
          : { kind: "tcp", hostname, port },
        ...auth,
        ...(db !== undefined ? { db } : {}),
      };
    }
    case "unix:": {
      // Taken from the text, not `parsed.pathname`, which would resolve `/./` and `/../`.
      const path = safeDecode(text.replace(/^unix:\/\/[^/?#]*/i, "").replace(/[?#].*$/, ""));
      if (!path) throw new RedisError(`Redis URL has no socket path: ${redactUrl(text)}`);
      const db = dbFromQuery(parsed, text);
      const qpw = parsed.searchParams.get("password");
      return {
        endpoint: { kind: "unix", path },
        ...auth,
        ...(qpw !== null && !auth.password ? { password: qpw } : {}),
        ...(db !== undefined ? { db } : {}),
      };
    }
    default:
      throw new RedisError(
        `unsupported Redis URL scheme '${parsed.protocol}' (use redis://, rediss:// or unix://)`,
      );
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function dbFromQuery(parsed: URL, text: string): number | undefined {
  const db = parsed.searchParams.get("db");
  return db === null ? undefined : parseDb(db, text);
}

function parseDb(value: string, text: string): number {
  if (!/^\d+$/.test(value)) throw new RedisError(`bad database number in ${redactUrl(text)}`);
  return Number(value);
}

/**
 * The URL with any password replaced by `****`, safe to print. Works on text, so it also
 * redacts URLs that do not parse; a raw `@` in a password is covered up to the last `@`
 * before the path.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:)[^/?#]*@/i, "$1****@")
    .replace(/([?&]password=)[^&]*/i, "$1****");
}

/** A URL for an endpoint (no credentials), for messages. */
export function describeEndpoint(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case "unix":
      return `unix://${endpoint.path}`;
    case "tcp":
      return `redis://${endpoint.hostname}:${endpoint.port}`;
    case "tls":
      return `rediss://${endpoint.hostname}:${endpoint.port}`;
  }
}
