/**
 * The table sections of `tinytown.toml` (`[redis]`, `[townhall]`, `[agent]`, `[agent_clis.*]`):
 * reading them with type checks, and turning them back into TOML tables in the order the
 * reference writes them.
 */
import type { AgentCliEntry } from "./cli_presets.ts";
import type {
  AgentSettings,
  RedisSettings,
  TownConfig,
  TownhallAuthMode,
  TownhallSettings,
} from "./config.ts";
import {
  keyError,
  readBool,
  readInt,
  readString,
  readStringArray,
  readStringMap,
  readTable,
  type TomlSource,
  type TomlTable,
} from "./toml_file.ts";

type Sections = Pick<TownConfig, "redis" | "townhall" | "agent" | "agentClis">;

const PORT = { min: 1, max: 65535 };
const U32 = { min: 0, max: 4294967295 };
const U64 = { min: 0, max: Number.MAX_SAFE_INTEGER };
const AUTH_MODES: readonly TownhallAuthMode[] = ["none", "api_key", "oidc"];
const SCOPES = ["town.read", "town.write", "agent.manage", "admin"];

/** Assigns `value` to `target[key]` unless it is undefined (keeps the default). */
function set<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

function readRedis(src: TomlSource, doc: TomlTable, redis: RedisSettings): void {
  const t = readTable(src, doc, ["redis"]);
  if (!t) return;
  const p = (key: string) => ["redis", key];
  const url = readString(src, t, p("url"));
  if (url !== undefined && url.trim() !== "") redis.url = url;
  set(redis, "useSocket", readBool(src, t, p("use_socket")));
  set(redis, "socketPath", readString(src, t, p("socket_path")));
  set(redis, "host", readString(src, t, p("host")));
  set(redis, "port", readInt(src, t, p("port"), PORT));
  set(redis, "persist", readBool(src, t, p("persist")));
  set(redis, "aofPath", readString(src, t, p("aof_path")));
  set(redis, "password", readString(src, t, p("password")));
  set(redis, "tlsEnabled", readBool(src, t, p("tls_enabled")));
  set(redis, "tlsCert", readString(src, t, p("tls_cert")));
  set(redis, "tlsKey", readString(src, t, p("tls_key")));
  set(redis, "tlsCaCert", readString(src, t, p("tls_ca_cert")));
  set(redis, "bind", readString(src, t, p("bind")));
}

function readScopes(src: TomlSource, t: TomlTable, path: string[]): string[] | undefined {
  const scopes = readStringArray(src, t, path);
  const bad = scopes?.find((s) => !SCOPES.includes(s));
  if (bad !== undefined) {
    throw keyError(src, path, `has unknown scope "${bad}" (known: ${SCOPES.join(", ")})`);
  }
  return scopes;
}

function readTownhall(src: TomlSource, doc: TomlTable, th: TownhallSettings): void {
  const t = readTable(src, doc, ["townhall"]);
  if (!t) return;
  set(th, "bind", readString(src, t, ["townhall", "bind"]));
  set(th, "restPort", readInt(src, t, ["townhall", "rest_port"], PORT));
  set(th, "requestTimeoutMs", readInt(src, t, ["townhall", "request_timeout_ms"], U64));

  const auth = readTable(src, t, ["townhall", "auth"]);
  if (auth) {
    const p = (key: string) => ["townhall", "auth", key];
    const mode = readString(src, auth, p("mode"));
    if (mode !== undefined && !AUTH_MODES.includes(mode as TownhallAuthMode)) {
      throw keyError(src, p("mode"), `must be one of ${AUTH_MODES.join(", ")}, not "${mode}"`);
    }
    set(th.auth, "mode", mode as TownhallAuthMode | undefined);
    set(th.auth, "apiKeyHash", readString(src, auth, p("api_key_hash")));
    set(th.auth, "apiKeyScopes", readScopes(src, auth, p("api_key_scopes")));
    set(th.auth, "issuer", readString(src, auth, p("issuer")));
    set(th.auth, "audience", readString(src, auth, p("audience")));
    set(th.auth, "jwksUrl", readString(src, auth, p("jwks_url")));
    set(th.auth, "requiredScopes", readStringArray(src, auth, p("required_scopes")));
    set(th.auth, "clockSkewSeconds", readInt(src, auth, p("clock_skew_seconds"), U64));
  }
  const tls = readTable(src, t, ["townhall", "tls"]);
  if (tls) {
    set(th.tls, "enabled", readBool(src, tls, ["townhall", "tls", "enabled"]));
    set(th.tls, "certFile", readString(src, tls, ["townhall", "tls", "cert_file"]));
    set(th.tls, "keyFile", readString(src, tls, ["townhall", "tls", "key_file"]));
  }
  const mtls = readTable(src, t, ["townhall", "mtls"]);
  if (mtls) {
    set(th.mtls, "enabled", readBool(src, mtls, ["townhall", "mtls", "enabled"]));
    set(th.mtls, "required", readBool(src, mtls, ["townhall", "mtls", "required"]));
    set(th.mtls, "caFile", readString(src, mtls, ["townhall", "mtls", "ca_file"]));
  }
  readRateLimit(src, t, th.rateLimit);
}

function readRateLimit(src: TomlSource, t: TomlTable, rl: TownhallSettings["rateLimit"]): void {
  const r = readTable(src, t, ["townhall", "rate_limit"]);
  if (!r) return;
  const p = (key: string) => ["townhall", "rate_limit", key];
  const positive = { min: 1, max: 1_000_000 };
  set(rl, "enabled", readBool(src, r, p("enabled")));
  set(rl, "requestsPerMinute", readInt(src, r, p("requests_per_minute"), positive));
  set(
    rl,
    "mutatingRequestsPerMinute",
    readInt(src, r, p("mutating_requests_per_minute"), positive),
  );
  set(rl, "burstSize", readInt(src, r, p("burst_size"), positive));
  set(
    rl,
    "perAddressRequestsPerMinute",
    readInt(src, r, p("per_address_requests_per_minute"), positive),
  );
  set(rl, "perAddressBurstSize", readInt(src, r, p("per_address_burst_size"), positive));
}

function readAgent(src: TomlSource, doc: TomlTable, agent: AgentSettings): void {
  const t = readTable(src, doc, ["agent"]);
  if (!t) return;
  set(agent, "idleTimeoutSecs", readInt(src, t, ["agent", "idle_timeout_secs"], U64));
  set(agent, "leaseSecs", readInt(src, t, ["agent", "lease_secs"], { ...U32, min: 1 }));
  set(agent, "roundTimeoutSecs", readInt(src, t, ["agent", "round_timeout_secs"], U64));
  set(agent, "stallTimeoutSecs", readInt(src, t, ["agent", "stall_timeout_secs"], U64));
  const atLeastOne = { ...U32, min: 1 };
  set(agent, "maxFailedRounds", readInt(src, t, ["agent", "max_failed_rounds"], atLeastOne));
  set(agent, "maxTaskRounds", readInt(src, t, ["agent", "max_task_rounds"], atLeastOne));
  set(
    agent,
    "failedRoundBackoffMs",
    readInt(src, t, ["agent", "failed_round_backoff_ms"], { min: 0, max: 60_000 }),
  );
}

function readAgentClis(src: TomlSource, doc: TomlTable): Record<string, AgentCliEntry> {
  const t = readTable(src, doc, ["agent_clis"]);
  const out: Record<string, AgentCliEntry> = {};
  if (!t) return out;
  for (const key of Object.keys(t)) {
    const path = ["agent_clis", key];
    const entry = readTable(src, t, path);
    if (!entry) continue;
    const name = readString(src, entry, [...path, "name"]);
    const command = readString(src, entry, [...path, "command"]);
    if (name === undefined) throw keyError(src, path, "is missing the required key 'name'");
    if (command === undefined) throw keyError(src, path, "is missing the required key 'command'");
    const cli: AgentCliEntry = { name, command, env: {} };
    set(cli, "workdir", readString(src, entry, [...path, "workdir"]));
    set(cli, "env", readStringMap(src, entry, [...path, "env"]));
    out[key] = cli;
  }
  return out;
}

/** Reads the table sections of a parsed document over their defaults. */
export function readTownSections(src: TomlSource, doc: TomlTable, into: Sections): void {
  readRedis(src, doc, into.redis);
  readTownhall(src, doc, into.townhall);
  readAgent(src, doc, into.agent);
  into.agentClis = readAgentClis(src, doc);
}

/** The table sections as TOML tables; undefined values mean "absent" (removed on save). */
export function townSectionsToToml(config: Sections & { raw?: TomlTable }): TomlTable {
  const { redis, townhall: th, agent } = config;
  const agentClis: TomlTable = {};
  for (const [key, cli] of Object.entries(config.agentClis)) {
    agentClis[key] = { name: cli.name, command: cli.command, workdir: cli.workdir, env: cli.env };
  }
  return {
    redis: {
      url: redis.url?.trim() ? redis.url : undefined,
      use_socket: redis.useSocket,
      socket_path: redis.socketPath,
      host: redis.host,
      port: redis.port,
      persist: redis.persist,
      aof_path: redis.aofPath,
      password: redis.password,
      tls_enabled: redis.tlsEnabled,
      tls_cert: redis.tlsCert,
      tls_key: redis.tlsKey,
      tls_ca_cert: redis.tlsCaCert,
      bind: redis.bind,
    },
    townhall: {
      bind: th.bind,
      rest_port: th.restPort,
      request_timeout_ms: th.requestTimeoutMs,
      auth: {
        mode: th.auth.mode,
        api_key_hash: th.auth.apiKeyHash,
        api_key_scopes: th.auth.apiKeyScopes,
        issuer: th.auth.issuer,
        audience: th.auth.audience,
        jwks_url: th.auth.jwksUrl,
        required_scopes: th.auth.requiredScopes,
        clock_skew_seconds: th.auth.clockSkewSeconds,
      },
      tls: { enabled: th.tls.enabled, cert_file: th.tls.certFile, key_file: th.tls.keyFile },
      mtls: { enabled: th.mtls.enabled, required: th.mtls.required, ca_file: th.mtls.caFile },
      // Written only when the file has the table: defaults stay implicit.
      rate_limit: hasRateLimitTable(config.raw)
        ? {
          enabled: th.rateLimit.enabled,
          requests_per_minute: th.rateLimit.requestsPerMinute,
          mutating_requests_per_minute: th.rateLimit.mutatingRequestsPerMinute,
          burst_size: th.rateLimit.burstSize,
          per_address_requests_per_minute: th.rateLimit.perAddressRequestsPerMinute,
          per_address_burst_size: th.rateLimit.perAddressBurstSize,
        }
        : undefined,
    },
    agent: {
      idle_timeout_secs: agent.idleTimeoutSecs,
      lease_secs: agent.leaseSecs,
      round_timeout_secs: agent.roundTimeoutSecs,
      stall_timeout_secs: agent.stallTimeoutSecs,
      max_failed_rounds: agent.maxFailedRounds,
      max_task_rounds: agent.maxTaskRounds,
      failed_round_backoff_ms: agent.failedRoundBackoffMs,
    },
    agent_clis: agentClis,
  };
}

function hasRateLimitTable(raw: TomlTable | undefined): boolean {
  const th = raw?.townhall;
  return typeof th === "object" && th !== null && !Array.isArray(th) && "rate_limit" in th;
}
