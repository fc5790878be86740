/**
 * The redis-server a town owns: started daemonized (so it outlives the `tt` that started it),
 * found again through its socket and pid file, and stopped with SHUTDOWN.
 *
 * Starting is serialised by an flock on a lock file, so many `tt` commands racing against a
 * stopped town end with exactly one server. The lock is released by the kernel if a holder dies.
 */
import { RedisServerError } from "../errors.ts";
import { RedisConnection } from "./connection.ts";
import { RedisReplyError } from "./errors.ts";
import type { RedisArg } from "./resp.ts";
import { parseRedisVersion, type RedisVersion } from "./version.ts";
import { isAlive } from "../process.ts";
import {
  mkdirPrivate,
  PRIVATE_FILE_MODE,
  withPrivateUmask,
  writePrivateFile,
} from "../private_files.ts";
import { findServerByDir } from "./server_process.ts";
import { type SavedData, savedData } from "./server_data.ts";
import {
  isLoopback,
  serverArgs,
  serverConfigFile,
  serverConfigText,
  serverEndpoint,
} from "./server_config.ts";
import { enableAof } from "./server_settings.ts";

export { isLoopback, serverEndpoint } from "./server_config.ts";
export { requirePassword } from "./server_settings.ts";
import { serverState } from "./server_state.ts";
export { diedUncleanly, type ServerState, serverState } from "./server_state.ts";
export { describeLoss } from "./server_data.ts";
import { sleep } from "../sleep.ts";

export interface ManagedServer {
  /** Working directory of the server (`.tt/`); RDB and AOF files live here. */
  dir: string;
  pidFile: string;
  logFile: string;
  lockFile: string;
  /** Unix socket path; when absent the server listens on TCP. */
  socketPath?: string;
  tcp?: { bind: string; port: number; tls?: { cert?: string; key?: string; ca?: string } };
  password?: string;
  /** AOF (appendfsync everysec) as well as RDB snapshots. */
  appendOnly: boolean;
  /** File name of the AOF inside the server's dir. */
  aofName: string;
  /** `redis-server` by default (searched on PATH). */
  binary?: string;
}

/** What `ensureServer` did. */
export interface EnsureResult {
  started: boolean;
  /**
   * Set when the server had died without a clean shutdown (its pid file or socket was left
   * behind) and this call started a new one: the pid it had, and what the new one loaded.
   */
  restartedAfterCrash?: { pid?: number; loaded: SavedData };
}

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

/** Runs `redis-server --version` and checks it is 7.0 or newer (Redis or Valkey). */
export async function checkServerBinary(binary = "redis-server"): Promise<RedisVersion> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(binary, { args: ["--version"], stdin: "null" }).output();
  } catch {
    throw new RedisServerError(
      `${binary} not found: tt needs redis-server 7.0+ (or Valkey); install it with ` +
        `'apt-get install redis-server', 'brew install redis' or 'dnf install redis'`,
    );
  }
  const text = new TextDecoder().decode(out.stdout);
  const version = out.success ? parseRedisVersion(text) : undefined;
  if (!version) {
    throw new RedisServerError(
      `cannot tell the version of ${binary} (it printed '${text.trim().slice(0, 80)}'); ` +
        `tt needs redis-server 7.0+`,
    );
  }
  if (version.major < 7) {
    throw new RedisServerError(
      `${binary} is version ${version.major}.${version.minor}.${version.patch}; tt needs 7.0 or ` +
        `newer (install a newer redis-server or valkey-server)`,
    );
  }
  return version;
}

/** Is the server answering on its endpoint? (A server still loading its data counts.) */
export async function pingServer(server: ManagedServer, timeoutMs = 1000): Promise<boolean> {
  let conn: RedisConnection | undefined;
  try {
    conn = await RedisConnection.open(serverEndpoint(server), timeoutMs);
    const hello: RedisArg[][] = server.password !== undefined
      ? [["AUTH", server.password], ["PING"]]
      : [["PING"]];
    const replies = await withTimeout(conn.sendBatch(hello), timeoutMs);
    const last = replies[replies.length - 1];
    return last === "PONG" || (last instanceof RedisReplyError && last.code === "LOADING");
  } catch {
    return false;
  } finally {
    await conn?.close();
  }
}

/**
 * Makes sure the server is up: reuses a live one, cleans files left by a crash, starts a new
 * one otherwise. Returns whether this call started it, and whether the one before had crashed.
 */
export async function ensureServer(server: ManagedServer): Promise<EnsureResult> {
  if (await pingServer(server)) return { started: false };
  return await withLock(server.lockFile, async () => {
    // Someone else may have started it while we waited for the lock.
    if (await pingServer(server)) return { started: false };
    const state = await serverState(server);
    if (state.running && state.pid !== undefined) {
      // Alive but not answering: it may still be starting; give it the start timeout.
      if (await waitReady(server, START_TIMEOUT_MS)) return { started: false };
      throw new RedisServerError(
        `redis-server (pid ${state.pid}) is running but not answering on ` +
          `${describe(server)}; see ${server.logFile}, or run 'tt stop' to stop it`,
      );
    }
    // A clean shutdown removes both; finding either means the server died (SIGKILL, OOM
    // killer, power loss) and whatever it had not saved is gone.
    const leftPid = await removeIfExists(server.pidFile);
    const leftSocket = server.socketPath !== undefined && await removeIfExists(server.socketPath);
    const crashed = leftPid || leftSocket;
    const loaded = await start(server);
    return crashed
      ? { started: true, restartedAfterCrash: { pid: state.pid, loaded } }
      : { started: true };
  });
}

/** Starts the server; returns the data it loaded. */
async function start(server: ManagedServer): Promise<SavedData> {
  const binary = server.binary ?? "redis-server";
  await checkServerBinary(binary);
  if (server.tcp && !isLoopback(server.tcp.bind) && server.password === undefined) {
    throw new RedisServerError(
      `refusing to start redis-server on ${server.tcp.bind}:${server.tcp.port} without a ` +
        `password: set [redis] password (or TINYTOWN_REDIS_PASSWORD), or bind to 127.0.0.1`,
    );
  }
  await mkdirPrivate(server.dir);
  await mkdirPrivate(dirname(server.logFile));
  const configFile = serverConfigFile(server);
  await writePrivateFile(configFile, serverConfigText(server));
  const data = await savedData(server);
  // Redis with AOF on ignores an RDB when it has no AOF yet (a town that just turned persist
  // on): load the RDB first, and turn AOF on once it is in memory.
  const aofLater = server.appendOnly && data.kind === "rdb";
  let out: Deno.CommandOutput;
  try {
    const args = [configFile, ...serverArgs(aofLater ? { ...server, appendOnly: false } : server)];
    // The umask makes the RDB, AOF, log and pid files redis-server creates private.
    const child = withPrivateUmask(() =>
      new Deno.Command(binary, {
        args,
        cwd: server.dir,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn()
    );
    out = await child.output();
  } catch (err) {
    throw new RedisServerError(`cannot run ${binary}: ${(err as Error).message}`);
  }
  if (!out.success) {
    const said = firstLine(new TextDecoder().decode(out.stderr)) ||
      firstLine(new TextDecoder().decode(out.stdout));
    throw new RedisServerError(`redis-server failed to start: ${said || `exit ${out.code}`}`);
  }
  if (!(await waitReady(server, START_TIMEOUT_MS))) {
    const why = await lastLogError(server.logFile);
    throw new RedisServerError(
      `redis-server did not answer on ${describe(server)} within ${START_TIMEOUT_MS / 1000}s` +
        (why ? `: ${why}` : `; see ${server.logFile}`),
    );
  }
  if (aofLater) await enableAof(server);
  return data;
}

/**
 * Stops the server: SHUTDOWN SAVE, wait for the process to go, then SIGTERM and SIGKILL if it
 * does not. Removes the socket and pid file. Returns false when no server was running.
 */
export async function stopServer(server: ManagedServer): Promise<boolean> {
  return await withLock(server.lockFile, async () => {
    const state = await serverState(server);
    // A pid file deleted with `.tt/`, or garbled, still leaves the server findable by its dir.
    const orphan = state.running ? undefined : findServerByDir(server);
    const answering = await pingServer(server);
    if (!state.running && orphan === undefined && !answering) {
      await removeIfExists(server.pidFile);
      if (server.socketPath) await removeIfExists(server.socketPath);
      return false;
    }
    const refused = answering && !(await sendShutdown(server));
    // Only a pid that is a live redis-server is ours to wait for and signal.
    const pid = state.running ? state.pid : orphan;
    if (pid !== undefined) {
      // A refused SHUTDOWN will not happen later, nor will one never sent (the server did not
      // answer): go straight to SIGTERM (which saves too).
      if (refused || !answering || !(await waitGone(pid, STOP_TIMEOUT_MS))) {
        signal(pid, "SIGTERM");
        if (!(await waitGone(pid, 5000))) {
          signal(pid, "SIGKILL");
          await waitGone(pid, 5000);
        }
      }
    } else if (refused || !(await waitSilent(server, STOP_TIMEOUT_MS))) {
      // Without a pid there is nothing to signal; removing the socket of a server that still
      // runs would only make it unreachable, so leave everything and say so.
      throw new RedisServerError(
        `redis-server on ${describe(server)} did not stop and ${server.pidFile} names no ` +
          `running redis-server; stop it by hand`,
      );
    }
    await removeIfExists(server.pidFile);
    if (server.socketPath) await removeIfExists(server.socketPath);
    return true;
  });
}

/** Sends SHUTDOWN SAVE; false when the server refused it with an error reply. */
async function sendShutdown(server: ManagedServer): Promise<boolean> {
  let conn: RedisConnection | undefined;
  try {
    conn = await RedisConnection.open(serverEndpoint(server), 2000);
    const cmds: RedisArg[][] = server.password !== undefined
      ? [["AUTH", server.password], ["SHUTDOWN", "SAVE"]]
      : [["SHUTDOWN", "SAVE"]];
    // Success means the server closes the connection without replying to SHUTDOWN, so any
    // reply is a refusal (command renamed away, save failed, wrong password).
    await withTimeout(conn.sendBatch(cmds), STOP_TIMEOUT_MS);
    return false;
  } catch {
    // Connection closed by the shutdown (the normal case), or the server is not answering:
    // the caller waits for the process, then falls back to signals.
    return true;
  } finally {
    await conn?.close();
  }
}

async function waitReady(server: ManagedServer, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  while (Date.now() < deadline) {
    if (await pingServer(server, Math.min(1000, deadline - Date.now()))) return true;
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
  return false;
}

/** Waits until the server stops answering on its endpoint. */
async function waitSilent(server: ManagedServer, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await pingServer(server, 500))) return true;
    await sleep(20);
  }
  return false;
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(20);
  }
  return !isAlive(pid);
}

/** Runs `fn` holding an exclusive flock on `lockFile` (created if missing). */
async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  let file: Deno.FsFile;
  try {
    await mkdirPrivate(dirname(lockFile));
    file = await Deno.open(lockFile, { create: true, write: true, mode: PRIVATE_FILE_MODE });
  } catch (err) {
    const why = err instanceof Error ? err.message.split(":")[0] : String(err);
    throw new RedisServerError(`cannot use the lock file ${lockFile}: ${why}`);
  }
  try {
    await file.lock(true);
    return await fn();
  } finally {
    file.close(); // closing releases the lock
  }
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Removes `path`; false when there was nothing to remove. */
async function removeIfExists(path: string): Promise<boolean> {
  try {
    await Deno.remove(path);
    return true;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    return false;
  }
}

async function lastLogError(logFile: string): Promise<string | undefined> {
  try {
    const lines = (await Deno.readTextFile(logFile)).trim().split("\n");
    const bad = lines.reverse().find((l) => /#|error|fatal|can't|failed/i.test(l));
    return bad?.replace(/^\d+:[A-Z] [^*#]*[*#] /, "").trim();
  } catch {
    return undefined;
  }
}

function describe(server: ManagedServer): string {
  return server.socketPath ?? `${server.tcp!.bind}:${server.tcp!.port}`;
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

function firstLine(text: string): string {
  return text.trim().split("\n").find((l) => l.trim())?.trim() ?? "";
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
