/**
 * `tinytown.toml`: the typed town configuration, parsing and saving it (its defaults and
 * loading it are in config_load.ts, which the per-round commands load alone). Saving
 * merges the known fields into the document as it was read, so keys tt does not know about
 * (newer tinytown versions, hand edits) survive.
 */
import {
  type AgentCliEntry,
  effectiveAgentClis,
  normalizeLegacyCliName,
  presetEntries,
  resolveCliName,
} from "./cli_presets.ts";
import { defaultTownConfig, townConfigFromDoc, townConfigPath } from "./config_load.ts";
import { type Env, processEnv } from "./env.ts";
import type { GlobalConfig } from "./global_config.ts";
import { validateTownName } from "./name.ts";
import { townSectionsToToml } from "./config_sections.ts";
import { mergeKnown, type TomlSource, type TomlTable, writeTextAtomic } from "./toml_file.ts";
import { parseToml, stringifyToml } from "./toml_text.ts";

export {
  CONFIG_FILE_NAME,
  defaultAgentSettings,
  defaultRedisSettings,
  defaultTownConfig,
  defaultTownhallSettings,
  loadTownConfig,
  townConfigFromDoc,
  townConfigPath,
} from "./config_load.ts";

export interface RedisSettings {
  /** Explicit `redis://`, `rediss://` or `unix://` URL; blank counts as absent. */
  url?: string;
  useSocket: boolean;
  /** Relative to the town root unless absolute. */
  socketPath: string;
  host: string;
  port: number;
  /** Append-only-file persistence for a managed server. */
  persist: boolean;
  aofPath: string;
  password?: string;
  tlsEnabled: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsCaCert?: string;
  bind: string;
}

export type TownhallAuthMode = "none" | "api_key" | "oidc";

export interface TownhallSettings {
  bind: string;
  restPort: number;
  requestTimeoutMs: number;
  auth: {
    mode: TownhallAuthMode;
    apiKeyHash?: string;
    apiKeyScopes: string[];
    issuer?: string;
    audience?: string;
    jwksUrl?: string;
    requiredScopes: string[];
    clockSkewSeconds: number;
  };
  tls: { enabled: boolean; certFile?: string; keyFile?: string };
  mtls: { enabled: boolean; required: boolean; caFile?: string };
  /** tt only: token buckets of the REST server (`[townhall.rate_limit]`). */
  rateLimit: TownhallRateLimit;
}

/** `[townhall.rate_limit]`: per-principal buckets (after auth) and per-address (before). */
export interface TownhallRateLimit {
  enabled: boolean;
  /** Refill of a principal's read bucket (GET, HEAD, OPTIONS). */
  requestsPerMinute: number;
  /** Refill of a principal's write bucket (POST, PUT, PATCH, DELETE). */
  mutatingRequestsPerMinute: number;
  /** Capacity of each principal bucket. */
  burstSize: number;
  /** Refill of a client address's bucket, taken before authentication. */
  perAddressRequestsPerMinute: number;
  /** Capacity of a client address's bucket. */
  perAddressBurstSize: number;
}

export interface AgentSettings {
  /** Seconds an idle agent waits before draining; 0 = never. */
  idleTimeoutSecs: number;
  /** How long an agent's claim on in-flight work lasts without a heartbeat. */
  leaseSecs: number;
  /** Upper bound on one agent CLI round; 0 = none. */
  roundTimeoutSecs: number;
  /** A CLI that writes no output for this long is ended ("stalled"); 0 = never. */
  stallTimeoutSecs: number;
  /** Failed rounds in a row after which the agent goes to `error` (at least 1). */
  maxFailedRounds: number;
  /** Rounds that end well but leave their task open before the task fails (at least 1). */
  maxTaskRounds: number;
  /** Wait after a failed round; doubles with each failure in a row, capped at 60 s. */
  failedRoundBackoffMs: number;
}

export interface TownConfig {
  name: string;
  defaultCli: string;
  conductorCli?: string;
  maxAgents: number;
  useCentralRedis: boolean;
  useStreams: boolean;
  redis: RedisSettings;
  townhall: TownhallSettings;
  agent: AgentSettings;
  /** The file's `[agent_clis.*]` tables only; see `effectiveAgentClis` for what can run. */
  agentClis: Record<string, AgentCliEntry>;
  /** The document as read (empty for a new config); `saveTownConfig` merges into it. */
  raw: TomlTable;
}

/** Builds a TownConfig from TOML text; `file` is only used in error messages. */
export function parseTownConfig(text: string, file: string): TownConfig {
  const src: TomlSource = { file, text };
  return townConfigFromDoc(src, parseToml(src));
}

/** The TOML document for a config: its raw document with the known fields merged in. */
export function townConfigToToml(config: TownConfig): string {
  const known: TomlTable = {
    name: config.name,
    default_cli: config.defaultCli,
    conductor_cli: config.conductorCli?.trim() ? config.conductorCli : undefined,
    max_agents: config.maxAgents,
    use_central_redis: config.useCentralRedis,
    use_streams: config.useStreams,
    ...townSectionsToToml(config),
  };
  const userKeyed = (path: readonly string[]) =>
    (path.length === 1 && path[0] === "agent_clis") ||
    (path.length === 3 && path[0] === "agent_clis" && path[2] === "env");
  return stringifyToml(mergeKnown(config.raw, known, userKeyed));
}

/** Writes `root/tinytown.toml` atomically; 0600 when it holds a Redis password. */
export async function saveTownConfig(root: string, config: TownConfig): Promise<void> {
  await writeTextAtomic(townConfigPath(root), townConfigToToml(config), {
    private: config.redis.password !== undefined,
  });
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && ["1", "true"].includes(value.trim().toLowerCase());
}

/**
 * What `tt init` writes: presets plus the global custom CLIs, `default_cli` resolved from the
 * global config, and the town's own redis-server on `.tt/redis.sock` unless the global config
 * opts into central mode (`redis.use_central = true`; `TT_USE_SOCKET` forces socket mode).
 */
export function newTownConfig(
  name: string,
  global: GlobalConfig,
  env: Env = processEnv,
): TownConfig {
  validateTownName(name);
  const config = defaultTownConfig(name);
  const customs = Object.keys(global.agentClis).sort();
  config.agentClis = presetEntries();
  for (const key of customs) {
    config.agentClis[key] = { name: key, command: global.agentClis[key], env: {} };
  }
  const clis = effectiveAgentClis(config.agentClis);
  config.defaultCli = resolveCliName(normalizeLegacyCliName(global.defaultCli), clis);
  if (global.conductorCli?.trim()) {
    config.conductorCli = normalizeLegacyCliName(global.conductorCli);
  }
  if (global.redis.useCentral && !truthy(env.get("TT_USE_SOCKET"))) {
    config.useCentralRedis = true;
    config.redis.useSocket = false;
    config.redis.host = global.redis.host;
    config.redis.port = global.redis.port;
    if (global.redis.password !== undefined) config.redis.password = global.redis.password;
  }
  return config;
}
