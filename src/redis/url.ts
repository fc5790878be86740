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
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const auth = {
    ...(username && username !== "default" ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
  // `redis://default:pw@` is the same as `redis://:pw@`; only send a user when it matters.
  if (username === "default" && password !== undefined) Object.assign(auth, { username });
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
      const path = decodeURIComponent(parsed.pathname);
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

function dbFromQuery(parsed: URL, text: string): number | undefined {
  const db = parsed.searchParams.get("db");
  return db === null ? undefined : parseDb(db, text);
}

function parseDb(value: string, text: string): number {
  if (!/^\d+$/.test(value)) throw new RedisError(`bad database number in ${redactUrl(text)}`);
  return Number(value);
}

/** The URL with any password replaced by `****`, safe to print. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, "$1****@")
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
