/**
 * Throw-away redis-server instances for tests.
 *
 *   const redis = await startRedis();            // Unix socket only
 *   try {
 *     const client = await RedisClient.connect(redis.url);
 *     ...
 *     await client.close();
 *   } finally {
 *     await redis.stop();                          // kills it and removes its temp dir
 *   }
 *
 * or `await using redis = await startRedis();`. Each server runs in the foreground (never
 * daemonized) with its own temp dir, no persistence, and a socket at `<dir>/redis.sock`.
 * `startRedis` returns only once the server answers PING, so tests never sleep for it.
 */

export interface StartRedisOptions {
  /** Sets `requirepass`; `url` then carries it as `?password=`. */
  password?: string;
  /** Also listen on 127.0.0.1 at a free TCP port (see `port` and `tcpUrl`). */
  tcp?: boolean;
  /** More `redis-server` arguments, e.g. `["--enable-debug-command", "yes"]`. */
  extraArgs?: string[];
  /** How long to wait for the first PONG. Default 10 s. */
  readyTimeoutMs?: number;
  /** Parent of the server's temp dir. Default: the system temp dir. */
  tempRoot?: string;
}

export interface TestRedis extends AsyncDisposable {
  /** Path of the Unix socket. */
  readonly socket: string;
  /** `unix://<socket>`, plus `?password=` when a password was set. */
  readonly url: string;
  /** The TCP port when `tcp` was asked for. */
  readonly port?: number;
  /** `redis://127.0.0.1:<port>` (with the password) when `tcp` was asked for. */
  readonly tcpUrl?: string;
  /** The server's temp dir (its --dir, the socket and redis.log live here). */
  readonly dir: string;
  /** The running process (a new one after `restart()`). */
  readonly process: Deno.ChildProcess;
  /** True while the current process has not exited. */
  readonly running: boolean;
  /** Kills the server, waits for it to exit and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL) and waits for the process to exit. Keeps the dir. */
  kill(signal?: Deno.Signal): Promise<void>;
  /**
   * Starts the server again on the same socket and port (killing it first if it still runs),
   * and waits until it answers PING. The data is gone: nothing is persisted.
   */
  restart(): Promise<void>;
}

/**
 * The `redis-server` arguments of a throw-away server: `--dir` and a Unix socket of its own,
 * no persistence (tests, the benchmarks' temp servers, the loading test's seed server).
 */
export function scratchServerArgs(dir: string, socket: string, port = 0): string[] {
  return [
    "--port",
    String(port),
    "--unixsocket",
    socket,
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "no",
  ];
}

/** Starts a fresh redis-server; see the module comment. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<TestRedis> {
  const dir = await Deno.makeTempDir({ prefix: "tt-redis-", dir: opts.tempRoot });
  const socket = `${dir}/redis.sock`;
  const logFile = `${dir}/redis.log`;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
  // A port found free can be taken by someone else before redis binds it; try a few.
  for (let attempt = 1;; attempt++) {
    const port = opts.tcp ? freePort() : undefined;
    const args = [
      ...scratchServerArgs(dir, socket, port),
      ...(port ? ["--bind", "127.0.0.1"] : []),
      "--unixsocketperm",
      "700",
      "--daemonize",
      "no",
      "--logfile",
      logFile,
      ...(opts.password !== undefined ? ["--requirepass", opts.password] : []),
      ...(opts.extraArgs ?? []),
    ];
    let process = spawn(args);
    try {
      await waitReady(process, socket, logFile, readyTimeoutMs);
    } catch (err) {
      await reap(process);
      if (opts.tcp && attempt < 3 && /address already in use/i.test(await readLog(logFile))) {
        continue;
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw err;
    }
    let removed = false;
    const pw = opts.password === undefined ? "" : encodeURIComponent(opts.password);
    const server: TestRedis = {
      socket,
      url: `unix://${socket}${pw ? `?password=${pw}` : ""}`,
      ...(port ? { port, tcpUrl: `redis://${pw ? `:${pw}@` : ""}127.0.0.1:${port}` } : {}),
      dir,
      get process() {
        return process;
      },
      get running() {
        return !processDone.has(process);
      },
      async kill(signal: Deno.Signal = "SIGKILL") {
        await reap(process, signal);
      },
      async restart() {
        await reap(process);
        process = spawn(args);
        try {
          await waitReady(process, socket, logFile, readyTimeoutMs);
        } catch (err) {
          await reap(process);
          throw err;
        }
      },
      async stop() {
        await reap(process);
        if (removed) return;
        removed = true;
        await Deno.remove(dir, { recursive: true });
      },
      [Symbol.asyncDispose]() {
        return this.stop();
      },
    };
    return server;
  }
}

/** A TCP port that was free a moment ago (listen on port 0, note the port, close). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Polls `check` until it returns true, failing with `what` after `timeoutMs`.
 * For tests that must wait for state they cannot be told about.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1;; delay = Math.min(delay * 2, 50)) {
    if (await check()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

const processDone = new WeakSet<Deno.ChildProcess>();
/** What each process wrote on stderr (config errors come before the log file is open). */
const stderrOf = new WeakMap<Deno.ChildProcess, Promise<string>>();

function spawn(args: string[]): Deno.ChildProcess {
  const child = new Deno.Command("redis-server", {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  stderrOf.set(child, new Response(child.stderr).text().catch(() => ""));
  child.status.then(() => processDone.add(child));
  return child;
}

/** Kills the process unless it already exited, and waits for it. */
async function reap(child: Deno.ChildProcess, signal: Deno.Signal = "SIGKILL"): Promise<void> {
  if (!processDone.has(child)) {
    try {
      child.kill(signal);
    } catch {
      // it exited between the check and the kill
    }
  }
  await child.status;
  await stderrOf.get(child);
  processDone.add(child);
}

async function readLog(logFile: string): Promise<string> {
  return await Deno.readTextFile(logFile).catch(() => "");
}

const PING = new TextEncoder().encode("*1\r\n$4\r\nPING\r\n");

/** Waits until the server answers PING on its socket (NOAUTH also proves it is up). */
async function waitReady(
  child: Deno.ChildProcess,
  socket: string,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1;; delay = Math.min(delay * 2, 50)) {
    if (processDone.has(child)) {
      const output = (await stderrOf.get(child)) + (await readLog(logFile));
      const tail = output.trim().split("\n").slice(-5).join("\n");
      throw new Error(`redis-server exited during start-up:\n${tail}`);
    }
    const answer = await pingOnce(socket);
    if (answer.startsWith("+PONG") || answer.startsWith("-NOAUTH")) return;
    if (Date.now() > deadline) {
      throw new Error(`redis-server did not answer PING within ${timeoutMs} ms (${answer})`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

async function pingOnce(socket: string): Promise<string> {
  let conn: Deno.UnixConn | undefined;
  try {
    conn = await Deno.connect({ transport: "unix", path: socket });
    await conn.write(PING);
    const buf = new Uint8Array(256);
    const n = await conn.read(buf);
    return n === null ? "closed" : new TextDecoder().decode(buf.subarray(0, n));
  } catch (err) {
    return err instanceof Error ? err.name : String(err);
  } finally {
    conn?.close();
  }
}
