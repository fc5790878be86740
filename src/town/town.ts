/**
 * Opening a town: read its config, find (or start) its Redis, connect. Every command that
 * touches a town's data goes through `openTown`.
 */
import { TtError } from "../errors.ts";
import { type ReconnectOptions, RedisClient } from "../redis/client.ts";
import { RedisAuthError, RedisConnectionError, RedisError } from "../redis/errors.ts";
import { ensureServer, type ManagedServer, serverEndpoint, serverState } from "../redis/server.ts";
import { type ConnectOptions, parseRedisUrl } from "../redis/url.ts";
import { loadTownConfig, type TownConfig } from "./config.ts";
import { type Env, processEnv } from "./env.ts";
import { globalConfigDir } from "./global_config.ts";
import { type TownPaths, townPaths } from "./paths.ts";
import { isExternalRedis, redisPassword, redisUrl, redisUrlRedacted } from "./redis_endpoint.ts";

export interface Town {
  name: string;
  root: string;
  paths: TownPaths;
  config: TownConfig;
  redis: RedisClient;
  /** The Redis URL with any password masked, for printing. */
  redisUrl: string;
  /** The redis-server tt runs for this town, or undefined for an external Redis. */
  server: ManagedServer | undefined;
  /** True when this open had to start the server. */
  startedServer: boolean;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * Start the managed redis-server when it is not running (default true). With false, a town
   * whose server is not running is a `TownStoppedError`.
   */
  start?: boolean;
  /** Keep reconnecting when Redis goes away (agent loops); the CLI fails fast. */
  reconnect?: boolean | ReconnectOptions;
  env?: Env;
  /** Names the connection (CLIENT SETNAME), so its owner can find it in CLIENT LIST. */
  clientName?: string;
}

/** Opens the town at `root` (a path as the user typed it). */
export async function openTown(root: string, options: OpenOptions = {}): Promise<Town> {
  const env = options.env ?? processEnv;
  const config = await loadTownConfig(root);
  const paths = townPaths(root, config.redis);
  const server = managedServer(config, paths, env);
  const shownUrl = redisUrlRedacted(config, paths.root, env);
  const connect: ConnectOptions = server
    ? { endpoint: serverEndpoint(server), password: server.password }
    : parseUrl(redisUrl(config, paths.root, env), shownUrl);
  let startedServer = false;
  let redis: RedisClient;
  const name = options.clientName === undefined ? {} : { clientName: options.clientName };
  try {
    redis = await RedisClient.connect({ ...connect, ...name, reconnect: options.reconnect });
  } catch (err) {
    if (server && options.start === false && !(await serverState(server)).running) {
      throw new TownStoppedError(config.name, paths.root, shownUrl);
    }
    if (!server || options.start === false || err instanceof RedisAuthError) {
      throw connectError(err, shownUrl, server);
    }
    startedServer = (await ensureServer(server)).started;
    try {
      redis = await RedisClient.connect({ ...connect, ...name, reconnect: options.reconnect });
    } catch (err2) {
      throw connectError(err2, shownUrl, server);
    }
  }
  if (!server) await checkExternalVersion(redis, shownUrl);
  return {
    name: config.name,
    root: paths.root,
    paths,
    config,
    redis,
    redisUrl: shownUrl,
    server,
    startedServer,
    close: () => redis.close(),
  };
}

/** The town's own redis-server is not running, and the command was not to start it. */
export class TownStoppedError extends TtError {
  constructor(readonly town: string, readonly root: string, readonly redisUrl: string) {
    super(`town '${town}' is stopped (its redis-server is not running): start it with 'tt start'`);
  }
}

/** The redis-server tt manages for this town, or undefined when Redis is external. */
export function managedServer(
  config: TownConfig,
  paths: TownPaths,
  env: Env = processEnv,
): ManagedServer | undefined {
  if (isExternalRedis(config, env)) return undefined;
  const password = redisPassword(config, env);
  const aofName = paths.aofFile.slice(paths.aofFile.lastIndexOf("/") + 1) || "redis.aof";
  if (config.useCentralRedis) {
    // One server shared by every central-mode town, kept in the global tt directory.
    const dir = globalConfigDir(env);
    return {
      dir,
      pidFile: `${dir}/redis.pid`,
      logFile: `${dir}/redis.log`,
      lockFile: `${dir}/redis.lock`,
      tcp: { bind: config.redis.bind, port: config.redis.port },
      password,
      appendOnly: config.redis.persist,
      aofName,
    };
  }
  const base = {
    dir: paths.ttDir,
    pidFile: paths.pidFile,
    logFile: paths.redisLog,
    lockFile: paths.lockFile,
    appendOnly: config.redis.persist,
    aofName,
  };
  if (config.redis.useSocket) return { ...base, socketPath: paths.socket };
  const { tlsEnabled, tlsCert, tlsKey, tlsCaCert } = config.redis;
  return {
    ...base,
    tcp: {
      bind: config.redis.bind,
      port: config.redis.port,
      ...(tlsEnabled ? { tls: { cert: tlsCert, key: tlsKey, ca: tlsCaCert } } : {}),
    },
    password,
  };
}

/** Whether the town's Redis is up, without starting anything. */
export async function townServerState(
  config: TownConfig,
  paths: TownPaths,
  env: Env = processEnv,
): Promise<{ managed: boolean; running: boolean; pid?: number }> {
  const server = managedServer(config, paths, env);
  if (!server) return { managed: false, running: true };
  const state = await serverState(server);
  return { managed: true, ...state };
}

function parseUrl(url: string, shown: string): ConnectOptions {
  try {
    return parseRedisUrl(url);
  } catch (err) {
    throw new TtError(`invalid Redis configuration for ${shown}: ${(err as Error).message}`);
  }
}

function connectError(err: unknown, shown: string, server: ManagedServer | undefined): Error {
  if (err instanceof TtError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof RedisAuthError) {
    return new TtError(`Redis authentication failed at ${shown}: check the password (${detail})`);
  }
  if (server) {
    return new TtError(
      `the town's Redis is not running at ${shown} (${detail}); start it with 'tt start'`,
    );
  }
  // Named by its configured (redacted) URL, which may carry a user the client's message lacks.
  const why = err instanceof RedisConnectionError && err.reason ? err.reason : detail;
  return new TtError(`cannot connect to Redis at ${shown}: ${why}`);
}

/** An external Redis must be 7.0+; a managed one was checked when tt started it. */
async function checkExternalVersion(redis: RedisClient, shown: string): Promise<void> {
  let version: string | undefined;
  try {
    version = (await redis.info("server"))["redis_version"];
  } catch (err) {
    await redis.close();
    if (err instanceof RedisError) throw new TtError(`Redis at ${shown}: ${err.message}`);
    throw err;
  }
  const m = version?.match(/^(\d+)\.(\d+)/);
  if (!m || Number(m[1]) < 7) {
    await redis.close();
    throw new TtError(
      `Redis at ${shown} is version ${version ?? "unknown"}; tt needs Redis 7.0 or newer`,
    );
  }
}
