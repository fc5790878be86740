/**
 * Opening a town: read its config, find (or start) its Redis, connect. Every command that
 * touches a town's data goes through `openTown`.
 */
import { TtError } from "../errors.ts";
import { type ReconnectOptions, RedisClient } from "../redis/client.ts";
import {
  RedisAuthError,
  RedisConnectionError,
  RedisError,
  RedisLoadingError,
} from "../redis/errors.ts";
import type { ManagedServer } from "../redis/server.ts";
import { isLoopback, serverEndpoint } from "../redis/server_config.ts";
import type { ServerState } from "../redis/server_state.ts";
import { lazyImport } from "../lazy.ts";
import { tightenPrivateTree } from "../private_files.ts";
import { type ConnectOptions, parseRedisUrl } from "../redis/url.ts";
import type { TownConfig } from "./config.ts";
import { loadTownConfig } from "./config_load.ts";
import { type Env, processEnv } from "./env.ts";
import { globalConfigDir } from "./global_dir.ts";
import { type TownPaths, townPaths } from "./paths.ts";
import { isExternalRedis, redisPassword, redisUrl, redisUrlRedacted } from "./redis_endpoint.ts";
import { ensurePasswordFile, passwordFile, readPasswordFile } from "./redis_password.ts";

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
  /**
   * What the user should know about this open, one line each (e.g. the server had crashed and
   * what may have been lost). The CLI prints them on stderr; loops log them.
   */
  warnings: string[];
  close(): Promise<void>;
}

/**
 * The code that starts a redis-server and changes a running one's settings: loaded only when
 * the connect fails, since a command most often finds its server running (see src/lazy.ts).
 */
const serverControl = () => lazyImport<typeof import("../redis/server.ts")>("src/redis/server.ts");

/** The pid-file checks, which only a failed connect (and townServerState) need. */
const serverStates = () =>
  lazyImport<typeof import("../redis/server_state.ts")>("src/redis/server_state.ts");

async function serverState(server: ManagedServer): Promise<ServerState> {
  return await (await serverStates()).serverState(server);
}

async function diedUncleanly(server: ManagedServer): Promise<boolean> {
  return await (await serverStates()).diedUncleanly(server);
}

/**
 * How long a command waits for a Redis that is loading its data (right after a restart)
 * before it fails; loading a data set of a few GB takes about this long.
 */
const LOADING_TIMEOUT_MS = 30_000;

export interface OpenOptions {
  /**
   * Start the managed redis-server when it is not running (default true). With false, a town
   * whose server is not running is a `TownStoppedError`.
   */
  start?: boolean;
  /**
   * With `start: false`, still restart a server that died without a clean shutdown (it was not
   * stopped on purpose), saying so in `warnings`; read-only commands use it.
   */
  restartCrashed?: boolean;
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
  // A town made by an older tt has a .tt/ every local user can read.
  await tightenPrivateTree(paths.ttDir);
  const server = managedServer(config, paths, env);
  if (server?.tcp && server.password === undefined && isLoopback(server.tcp.bind)) {
    server.password = await ensurePasswordFile(passwordFile(server.dir));
  }
  const shownUrl = redisUrlRedacted(config, paths.root, env);
  const connect: ConnectOptions = {
    ...(server
      ? { endpoint: serverEndpoint(server), password: server.password }
      : parseUrl(redisUrl(config, paths.root, env), shownUrl)),
    loadingTimeoutMs: LOADING_TIMEOUT_MS,
  };
  const warnings: string[] = [];
  let startedServer = false;
  let redis: RedisClient;
  const name = options.clientName === undefined ? {} : { clientName: options.clientName };
  const connectClient = () =>
    RedisClient.connect({ ...connect, ...name, reconnect: options.reconnect });
  try {
    redis = await connectClient();
  } catch (err) {
    if (server && await runsWithoutPassword(server, err)) {
      // Started by an older tt, or before a password was configured: close it now.
      await (await serverControl()).requirePassword(server);
      warnings.push(
        `${serverName(config)} was running without a password; it now requires the ` +
          `configured or generated one`,
      );
      redis = await connectClient().catch((e) => Promise.reject(connectError(e, shownUrl, server)));
    } else if (
      !server || err instanceof RedisAuthError || err instanceof RedisLoadingError ||
      (options.start === false && (await serverState(server)).running)
    ) {
      throw connectError(err, shownUrl, server);
    } else if (
      options.start === false && !(options.restartCrashed && await diedUncleanly(server))
    ) {
      throw new TownStoppedError(config.name, paths.root, shownUrl);
    } else {
      const { describeLoss, ensureServer } = await serverControl();
      const ensured = await ensureServer(server);
      startedServer = ensured.started;
      if (ensured.restartedAfterCrash) {
        const { pid, loaded } = ensured.restartedAfterCrash;
        warnings.push(
          `${serverName(config)} had stopped without a clean shutdown` +
            `${pid !== undefined ? ` (pid ${pid})` : ""}; ${describeLoss(loaded)}`,
        );
      }
      try {
        redis = await connectClient();
      } catch (err2) {
        throw connectError(err2, shownUrl, server);
      }
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
    warnings,
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
  const aofName = paths.aofFile.slice(paths.aofFile.lastIndexOf("/") + 1) || "redis.aof";
  if (config.useCentralRedis) {
    // One server shared by every central-mode town, kept in the global tt directory.
    const dir = globalConfigDir(env);
    const password = redisPassword(config, env) ?? readPasswordFile(passwordFile(dir));
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
  const password = redisPassword(config, env) ?? readPasswordFile(passwordFile(paths.ttDir));
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

/**
 * AUTH refused because the server has no password at all (not because ours is wrong), and the
 * server is ours (its pid file names a live redis-server).
 */
async function runsWithoutPassword(server: ManagedServer, err: unknown): Promise<boolean> {
  return server.password !== undefined && err instanceof RedisAuthError &&
    /without any password configured/i.test(err.message) && (await serverState(server)).running;
}

function serverName(config: TownConfig): string {
  return config.useCentralRedis ? "the central redis-server" : "the town's redis-server";
}

function connectError(err: unknown, shown: string, server: ManagedServer | undefined): Error {
  if (err instanceof TtError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof RedisLoadingError) {
    return new TtError(
      `Redis at ${shown} is still loading its data: try again shortly (${detail})`,
    );
  }
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
