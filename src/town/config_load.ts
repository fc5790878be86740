/**
 * Loading `tinytown.toml`: the defaults, the checks that make a TownConfig of the document,
 * and reading the file. A plain file (what tt writes, see toml_plain.ts) is read without
 * smol-toml, which loads only for other files (toml_text.ts, lazily: see src/lazy.ts); the
 * commands agents run in every round read this file and need nothing else of config.ts.
 */
import { join } from "../path.ts";
import { ConfigError, NotInitializedError } from "../errors.ts";
import { effectiveAgentClis, normalizeLegacyCliName } from "./cli_presets.ts";
import type { AgentSettings, RedisSettings, TownConfig, TownhallSettings } from "./config.ts";
import { readTownSections } from "./config_sections.ts";
import { lazyImport } from "../lazy.ts";
import { quoted, townNameProblem } from "./name.ts";
import {
  keyError,
  readBool,
  readInt,
  readString,
  readTextIfExists,
  type TomlSource,
  type TomlTable,
} from "./toml_file.ts";
import { parsePlainToml } from "./toml_plain.ts";

const tomlText = () => lazyImport<typeof import("./toml_text.ts")>("src/town/toml_text.ts");

export const CONFIG_FILE_NAME = "tinytown.toml";

export function defaultRedisSettings(): RedisSettings {
  return {
    useSocket: true,
    socketPath: ".tt/redis.sock",
    host: "127.0.0.1",
    port: 6379,
    persist: true,
    aofPath: ".tt/redis.aof",
    tlsEnabled: false,
    bind: "127.0.0.1",
  };
}

export function defaultTownhallSettings(): TownhallSettings {
  return {
    bind: "127.0.0.1",
    restPort: 8080,
    requestTimeoutMs: 30000,
    auth: { mode: "none", apiKeyScopes: [], requiredScopes: [], clockSkewSeconds: 60 },
    tls: { enabled: false },
    mtls: { enabled: false, required: false },
    rateLimit: {
      enabled: true,
      requestsPerMinute: 120,
      mutatingRequestsPerMinute: 60,
      burstSize: 20,
      perAddressRequestsPerMinute: 600,
      perAddressBurstSize: 60,
    },
  };
}

export function defaultAgentSettings(): AgentSettings {
  return {
    idleTimeoutSecs: 300,
    leaseSecs: 30,
    roundTimeoutSecs: 3600,
    stallTimeoutSecs: 600,
    maxFailedRounds: 3,
    maxTaskRounds: 3,
    failedRoundBackoffMs: 1000,
  };
}

/** A config with every default and no agent CLI tables (what a minimal file loads as). */
export function defaultTownConfig(name: string): TownConfig {
  return {
    name,
    defaultCli: "claude",
    maxAgents: 10,
    useCentralRedis: false,
    useStreams: false,
    redis: defaultRedisSettings(),
    townhall: defaultTownhallSettings(),
    agent: defaultAgentSettings(),
    agentClis: {},
    raw: {},
  };
}

export function townConfigPath(root: string): string {
  return join(root, CONFIG_FILE_NAME);
}

const U32 = { min: 0, max: 4294967295 };

/** Builds a TownConfig from a parsed tinytown.toml; `src` locates errors. */
export function townConfigFromDoc(src: TomlSource, doc: TomlTable): TownConfig {
  const file = src.file;
  const name = readString(src, doc, ["name"]);
  if (name === undefined) throw new ConfigError(`${file}: missing required key 'name'`);
  // The name is in every Redis key of the town: the rules of `tt init --name` apply.
  const problem = townNameProblem(name);
  if (problem !== undefined) {
    throw keyError(src, ["name"], `is an invalid town name (${quoted(name)} ${problem})`);
  }
  const config = defaultTownConfig(name);
  config.raw = doc;
  const defaultCli = readString(src, doc, ["default_cli"]);
  if (defaultCli !== undefined) config.defaultCli = normalizeLegacyCliName(defaultCli);
  const conductorCli = readString(src, doc, ["conductor_cli"]);
  if (conductorCli !== undefined && conductorCli.trim() !== "") {
    config.conductorCli = normalizeLegacyCliName(conductorCli);
  }
  config.maxAgents = readInt(src, doc, ["max_agents"], U32) ?? config.maxAgents;
  config.useCentralRedis = readBool(src, doc, ["use_central_redis"]) ?? config.useCentralRedis;
  config.useStreams = readBool(src, doc, ["use_streams"]) ?? config.useStreams;
  readTownSections(src, doc, config);
  // Split every command now so a broken one is reported at load, not mid-run.
  effectiveAgentClis(config.agentClis);
  return config;
}

/** Loads `root/tinytown.toml`. Missing -> NotInitializedError(root); bad -> ConfigError. */
export async function loadTownConfig(root: string): Promise<TownConfig> {
  const file = townConfigPath(root);
  const text = await readTextIfExists(file);
  if (text === undefined) throw new NotInitializedError(root);
  const src: TomlSource = { file, text };
  return townConfigFromDoc(src, parsePlainToml(text) ?? (await tomlText()).parseToml(src));
}
