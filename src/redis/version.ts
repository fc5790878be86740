/**
 * Reading the version out of `redis-server --version`. Shared by the setup script and by the
 * product's pre-start check, so both agree on what "new enough" means.
 *
 * Real outputs look like:
 *   Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0
 *   Valkey server v=8.1.0 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=...
 */

export type RedisFlavor = "redis" | "valkey";

export interface RedisVersion {
  major: number;
  minor: number;
  patch: number;
  flavor: RedisFlavor;
}

/** tt needs 7.0+ (the reference asks for 8.0, but Debian/Ubuntu ship 7.0 and it is enough). */
export const MIN_REDIS_VERSION = { major: 7, minor: 0 } as const;

const STRICT_UINT = /^\d+$/;
const LEADING_UINT = /^\d+/;

/**
 * Parses `redis-server --version` output. Like the reference, major and minor must be plain
 * unsigned integers (`8.0-rc1` is rejected); the patch part is lenient because nothing
 * depends on it. Returns undefined when there is no usable `v=` token.
 */
export function parseRedisVersion(output: string): RedisVersion | undefined {
  // Requiring a non-word character before `v=` keeps `dev=` or `rev=` from matching.
  const token = /(?:^|[^A-Za-z0-9_])v=(\S+)/.exec(output)?.[1];
  if (token === undefined) return undefined;
  const parts = token.split(".");
  if (parts.length < 2) return undefined;
  const [majorText, minorText, patchText] = parts;
  if (!STRICT_UINT.test(majorText) || !STRICT_UINT.test(minorText)) return undefined;
  const major = Number(majorText);
  const minor = Number(minorText);
  const patchDigits = patchText === undefined ? undefined : LEADING_UINT.exec(patchText)?.[0];
  const patch = patchDigits === undefined ? 0 : Number(patchDigits);
  if (![major, minor, patch].every(Number.isSafeInteger)) return undefined;
  const flavor: RedisFlavor = /valkey/i.test(output) ? "valkey" : "redis";
  return { major, minor, patch, flavor };
}

/** True when `version` is at least `min` (compares major, then minor). */
export function isSupportedRedisVersion(
  version: Pick<RedisVersion, "major" | "minor">,
  min: { major: number; minor: number } = MIN_REDIS_VERSION,
): boolean {
  if (version.major !== min.major) return version.major > min.major;
  return version.minor >= min.minor;
}

/** `7.0.15`, for messages. */
export function formatRedisVersion(version: RedisVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}
