/**
 * The per-user global config `config.toml` (defaults copied into new towns) and the directory
 * that holds it and the town registry.
 */
import { join } from "../path.ts";
import { ConfigError } from "../errors.ts";
import { normalizeLegacyCliName } from "./cli_presets.ts";
import { type Env, processEnv } from "./env.ts";
import {
  mergeKnown,
  readBool,
  readInt,
  readString,
  readStringMap,
  readTable,
  readTextIfExists,
  type TomlSource,
  type TomlTable,
  writeTextAtomic,
} from "./toml_file.ts";
import { parseToml, stringifyToml } from "./toml_text.ts";
import { generateRedisPassword, globalConfigDir } from "./global_dir.ts";

export { generateRedisPassword, globalConfigDir } from "./global_dir.ts";

export const GLOBAL_CONFIG_FILE_NAME = "config.toml";

export interface GlobalConfig {
  defaultCli: string;
  conductorCli?: string;
  /** Custom CLIs: name -> command line. */
  agentClis: Record<string, string>;
  redis: {
    host: string;
    port: number;
    password?: string;
    /** Opt-in: new towns share one TCP redis-server instead of running their own. */
    useCentral: boolean;
  };
  /** The document as read; saving merges into it so unknown keys survive. */
  raw: TomlTable;
}

export function defaultGlobalConfig(): GlobalConfig {
  return {
    defaultCli: "claude",
    agentClis: {},
    redis: { host: "127.0.0.1", port: 16379, useCentral: false },
    raw: {},
  };
}

export function globalConfigPath(env: Env = processEnv): string {
  return join(globalConfigDir(env), GLOBAL_CONFIG_FILE_NAME);
}

/** Builds a GlobalConfig from TOML text; legacy CLI names are normalised in memory. */
export function parseGlobalConfig(text: string, file: string): GlobalConfig {
  const src: TomlSource = { file, text };
  const doc = parseToml(src);
  const config = defaultGlobalConfig();
  config.raw = doc;
  const defaultCli = readString(src, doc, ["default_cli"]);
  if (defaultCli !== undefined) config.defaultCli = normalizeLegacyCliName(defaultCli);
  const conductorCli = readString(src, doc, ["conductor_cli"]);
  if (conductorCli !== undefined) config.conductorCli = normalizeLegacyCliName(conductorCli);
  config.agentClis = readStringMap(src, doc, ["agent_clis"]) ?? {};
  const redis = readTable(src, doc, ["redis"]);
  if (redis) {
    const r = config.redis;
    r.host = readString(src, redis, ["redis", "host"]) ?? r.host;
    r.port = readInt(src, redis, ["redis", "port"], { min: 1, max: 65535 }) ?? r.port;
    const password = readString(src, redis, ["redis", "password"]);
    if (password !== undefined) r.password = password;
    r.useCentral = readBool(src, redis, ["redis", "use_central"]) ?? r.useCentral;
  }
  return config;
}

/**
 * Loads the global config; a missing file gives the defaults and writes nothing. A file that
 * holds a password but is readable by others (written by an older tt) is made 0600.
 */
export async function loadGlobalConfig(env: Env = processEnv): Promise<GlobalConfig> {
  const file = globalConfigPath(env);
  const text = await readTextIfExists(file);
  if (text === undefined) return defaultGlobalConfig();
  const config = parseGlobalConfig(text, file);
  if (config.redis.password !== undefined) await makePrivate(file);
  return config;
}

async function makePrivate(file: string): Promise<void> {
  const mode = (await Deno.stat(file).catch(() => undefined))?.mode;
  if (mode === undefined || mode === null || (mode & 0o077) === 0) return;
  try {
    await Deno.chmod(file, mode & 0o700);
  } catch (err) {
    throw new ConfigError(`cannot make ${file} private: ${(err as Error).message}`);
  }
}

export function globalConfigToToml(config: GlobalConfig): string {
  const known: TomlTable = {
    default_cli: config.defaultCli,
    conductor_cli: config.conductorCli,
    agent_clis: { ...config.agentClis },
    redis: {
      host: config.redis.host,
      port: config.redis.port,
      password: config.redis.password,
      use_central: config.redis.useCentral,
    },
  };
  const isMap = (path: readonly string[]) => path.length === 1 && path[0] === "agent_clis";
  return stringifyToml(mergeKnown(config.raw, known, isMap));
}

/** Writes the global config atomically (0600: it may hold a password), creating its directory. */
export async function saveGlobalConfig(
  config: GlobalConfig,
  env: Env = processEnv,
): Promise<void> {
  await writeTextAtomic(globalConfigPath(env), globalConfigToToml(config), { private: true });
}

/**
 * What `tt init` uses: load, then persist the file if legacy names were normalised or, in
 * central mode only, a Redis password had to be generated. Socket mode needs no password.
 */
export async function loadOrInitGlobalConfig(env: Env = processEnv): Promise<GlobalConfig> {
  const file = globalConfigPath(env);
  const text = await readTextIfExists(file);
  const config = text === undefined ? defaultGlobalConfig() : parseGlobalConfig(text, file);
  const { default_cli: rawDefault, conductor_cli: rawConductor } = config.raw;
  let changed = (typeof rawDefault === "string" && rawDefault !== config.defaultCli) ||
    (typeof rawConductor === "string" && rawConductor !== config.conductorCli);
  if (config.redis.useCentral && config.redis.password === undefined) {
    config.redis.password = generateRedisPassword();
    changed = true;
  }
  if (changed) await saveGlobalConfig(config, env);
  return config;
}

/** The keys `tt config KEY` understands, for help text. */
export const GLOBAL_CONFIG_KEYS: readonly string[] = [
  "default_cli",
  "conductor_cli",
  "redis.host",
  "redis.port",
  "redis.password",
  "redis.use_central",
  "agent_clis.<name>",
];

/** Keys whose value is a secret: `tt config` shows that one is set, never the value. */
export function isSecretConfigKey(key: string): boolean {
  return key === "redis.password";
}

/** How a value is shown: a secret as `****`. */
export const SECRET_MASK = "****";

function unknownKey(key: string): ConfigError {
  return new ConfigError(
    `unknown config key: ${key} (available keys: ${GLOBAL_CONFIG_KEYS.join(", ")})`,
  );
}

function cliKeyName(key: string): string | undefined {
  if (!key.startsWith("agent_clis.")) return undefined;
  const name = key.slice("agent_clis.".length);
  if (name === "") throw new ConfigError(`config key ${key} needs a CLI name after the dot`);
  return name;
}

/**
 * The value of a `tt config` key as printed; undefined when the key is valid but unset (no
 * password, no such custom CLI). `conductor_cli` falls back to `default_cli`.
 */
export function getGlobalValue(config: GlobalConfig, key: string): string | undefined {
  switch (key) {
    case "default_cli":
      return config.defaultCli;
    case "conductor_cli":
      return config.conductorCli?.trim() ? config.conductorCli : config.defaultCli;
    case "redis.host":
      return config.redis.host;
    case "redis.port":
      return String(config.redis.port);
    case "redis.password":
      return config.redis.password;
    case "redis.use_central":
      return String(config.redis.useCentral);
  }
  const cli = cliKeyName(key);
  if (cli === undefined) throw unknownKey(key);
  return Object.hasOwn(config.agentClis, cli) ? config.agentClis[cli] : undefined;
}

/** Sets a `tt config` key in memory (the caller saves). Bad key or value -> ConfigError. */
export function setGlobalValue(config: GlobalConfig, key: string, value: string): void {
  switch (key) {
    case "default_cli":
      config.defaultCli = value;
      return;
    case "conductor_cli":
      config.conductorCli = value;
      return;
    case "redis.host":
      if (value.trim() === "") throw new ConfigError("redis.host must not be empty");
      config.redis.host = value.trim();
      return;
    case "redis.port": {
      const port = /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : NaN;
      if (!(port >= 1 && port <= 65535)) {
        throw new ConfigError(`invalid port number for redis.port: "${value}" (use 1-65535)`);
      }
      config.redis.port = port;
      return;
    }
    case "redis.password":
      config.redis.password = value;
      return;
    case "redis.use_central":
      if (value !== "true" && value !== "false") {
        throw new ConfigError(
          `invalid boolean for redis.use_central: "${value}" (use true or false)`,
        );
      }
      config.redis.useCentral = value === "true";
      return;
  }
  const cli = cliKeyName(key);
  if (cli === undefined) throw unknownKey(key);
  config.agentClis[cli] = value;
}
