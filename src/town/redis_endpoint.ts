/**
 * Which Redis a town talks to, as URLs. Pure functions of the config, the town root and the
 * environment (passed in, so tests need not touch the process env).
 */
import type { TownConfig } from "./config.ts";
import { type Env, processEnv } from "./env.ts";
import { townPaths } from "./paths.ts";

/** `REDIS_URL` when non-blank, else a non-blank `[redis] url`, else undefined. */
export function explicitRedisUrl(config: TownConfig, env: Env = processEnv): string | undefined {
  const fromEnv = env.get("REDIS_URL")?.trim();
  if (fromEnv) return fromEnv;
  const fromFile = config.redis.url?.trim();
  return fromFile ? fromFile : undefined;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || h.startsWith("127.");
}

/**
 * True when tt must not start, stop or version-check a local redis-server: an explicit URL
 * (even one pointing at localhost), or TCP mode with a non-loopback host.
 */
export function isExternalRedis(config: TownConfig, env: Env = processEnv): boolean {
  if (explicitRedisUrl(config, env) !== undefined) return true;
  return !config.redis.useSocket && !isLoopbackHost(config.redis.host);
}

/** The TCP password: `TINYTOWN_REDIS_PASSWORD` when non-empty, else `[redis] password`. */
export function redisPassword(config: TownConfig, env: Env = processEnv): string | undefined {
  const fromEnv = env.get("TINYTOWN_REDIS_PASSWORD");
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return config.redis.password === "" ? undefined : config.redis.password;
}

/**
 * `redis://` (or `rediss://` with TLS) for `[redis] host/port` and the password. Unlike the
 * reference the password is percent-encoded, so `@`, `/` or `:` in it cannot break the URL.
 */
export function redisTcpUrl(config: TownConfig, env: Env = processEnv): string {
  const { host, port, tlsEnabled } = config.redis;
  const password = redisPassword(config, env);
  const auth = password === undefined ? "" : `:${encodeURIComponent(password)}@`;
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${tlsEnabled ? "rediss" : "redis"}://${auth}${hostPart}:${port}`;
}

/** `unix://` URL of the town's socket (absolute, normalised; `%`, `?`, `#`, spaces encoded). */
export function redisSocketUrl(config: TownConfig, root: string): string {
  const socket = townPaths(root, config.redis).socket;
  return "unix://" + socket.replace(/[%?#\s]/g, (c) => encodeURIComponent(c));
}

/** The URL to connect to: explicit URL, else the socket, else TCP. */
export function redisUrl(config: TownConfig, root: string, env: Env = processEnv): string {
  const explicit = explicitRedisUrl(config, env);
  if (explicit !== undefined) return explicit;
  return config.redis.useSocket ? redisSocketUrl(config, root) : redisTcpUrl(config, env);
}

/**
 * The URL with any password shown as `****`, safe to print. Works on text so even a URL that
 * does not parse (a raw `@` or `/` in the password) is redacted; the username is kept.
 */
export function redactRedisUrl(url: string): string {
  let out = url.replace(/([?&]password=)[^&#]*/i, "$1****");
  const schemeEnd = out.indexOf("://");
  if (schemeEnd < 0) return out;
  const rest = out.slice(schemeEnd + 3);
  const at = rest.lastIndexOf("@");
  if (at < 0) return out;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(":");
  if (colon < 0) return out;
  out = out.slice(0, schemeEnd + 3) + userinfo.slice(0, colon) + ":****" + rest.slice(at);
  return out;
}

/** `redisUrl` redacted for logs and messages. */
export function redisUrlRedacted(config: TownConfig, root: string, env: Env = processEnv): string {
  return redactRedisUrl(redisUrl(config, root, env));
}
