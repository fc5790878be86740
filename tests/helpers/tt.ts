/**
 * Runs `tt` — the real main.ts under `deno run` as a subprocess, or the same command line in
 * this process with its output captured — in an isolated TT_HOME, and gives each test a fresh
 * town folder that is stopped and removed afterwards.
 */
import { withEnvOverlay } from "../../src/town/env.ts";
import assert from "node:assert/strict";
import { runCli } from "../../src/cli/app.ts";
import { CapturedOutput } from "../../src/cli/output.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

export interface TtResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TtRunOptions {
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
}

/** argv that runs this checkout's tt (for spawning it from fixtures or other processes). */
export function ttCommand(): string[] {
  return [Deno.execPath(), "run", "--allow-all", "--quiet", MAIN];
}

export async function runTt(args: string[], options: TtRunOptions = {}): Promise<TtResult> {
  const [cmd, ...pre] = ttCommand();
  const child = new Deno.Command(cmd, {
    args: [...pre, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

let inProcessQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs tt in this process (runCli with a captured sink): no start-up cost, same parser,
 * output and exit code. `env` is applied to the process environment for the run and put back
 * afterwards, so runs are serialized; no cwd or stdin (use runTt for those).
 */
export function runTtInProcess(
  args: string[],
  options: { env?: Record<string, string> } = {},
): Promise<TtResult> {
  const run = inProcessQueue.then(async () => {
    const env = { NO_COLOR: "1", ...options.env };
    // An overlay for tt's own reads, not Deno.env: parallel test modules share Deno.env.
    return await withEnvOverlay(env, async () => {
      const output = new CapturedOutput();
      const code = await runCli(args, output);
      return { code, stdout: output.stdout, stderr: output.stderr };
    });
  });
  inProcessQueue = run.catch(() => {});
  return run;
}

/** A temp folder for a town plus a private TT_HOME; `tt(...)` runs commands against it. */
export interface TestTown {
  dir: string;
  home: string;
  env: Record<string, string>;
  tt(...args: string[]): Promise<TtResult>;
  /** Runs tt and fails the test unless it exits 0; returns stdout. */
  ok(...args: string[]): Promise<string>;
  /** Stops the town's Redis (and anything tt started) and removes the folders. */
  cleanup(): Promise<void>;
}

export async function makeTestTown(
  opts: {
    init?: boolean;
    name?: string;
    env?: Record<string, string>;
    /** Run commands in this process (runTtInProcess) instead of as subprocesses. */
    inProcess?: boolean;
  } = {},
): Promise<TestTown> {
  const dir = await Deno.makeTempDir({ prefix: "tt-town-" });
  const home = await Deno.makeTempDir({ prefix: "tt-home-" });
  const env = { TT_HOME: home, ...opts.env };
  const town: TestTown = {
    dir,
    home,
    env,
    tt: (...args) =>
      opts.inProcess
        ? runTtInProcess(["--town", dir, ...args], { env })
        : runTt(["--town", dir, ...args], { env }),
    ok: async (...args) => {
      const r = await town.tt(...args);
      if (r.code !== 0) {
        throw new Error(`tt ${args.join(" ")} exited ${r.code}: ${r.stderr || r.stdout}`);
      }
      return r.stdout;
    },
    cleanup: async () => {
      await stopTownProcesses(dir);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.remove(home, { recursive: true }).catch(() => {});
    },
  };
  if (opts.init !== false) {
    await town.ok("init", "--name", opts.name ?? "test-town");
  }
  return town;
}

/** Kills the redis-server a town started (by its pid file), whatever state the test left. */
export async function stopTownProcesses(dir: string): Promise<void> {
  try {
    const pid = Number((await Deno.readTextFile(`${dir}/.tt/redis.pid`)).trim());
    if (pid > 0) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        try {
          await Deno.stat(`/proc/${pid}`);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  } catch {
    // no pid file: nothing running
  }
}

/**
 * The one line a failed run printed on stderr; fails unless stderr is exactly one `error: ...`
 * line. `code`: the exit code it must have (`"failure"`: any but 0; unset: not checked);
 * `match`: a pattern the line must match.
 */
export function oneErrorLine(
  r: TtResult,
  expect: { code?: number | "failure"; match?: RegExp } = {},
): string {
  if (expect.code === "failure") {
    assert.notEqual(r.code, 0, `expected a failure: ${r.stdout}`);
  } else if (expect.code !== undefined) {
    assert.equal(
      r.code,
      expect.code,
      `expected exit ${expect.code}, got ${r.code}: ${r.stdout}${r.stderr}`,
    );
  }
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${r.stderr}`);
  assert.match(lines[0], /^error: /);
  if (expect.match) assert.match(lines[0], expect.match);
  return lines[0];
}

/** Pids of live redis-server processes whose command line mentions `needle`. */
export function redisServersMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let cmdline: string;
    try {
      cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
    } catch {
      continue; // exited meanwhile
    }
    if (cmdline.includes("redis-server") && cmdline.includes(needle)) pids.push(Number(entry.name));
  }
  return pids;
}

/**
 * Runs `fn` with a fresh test town (see makeTestTown for `opts`), then cleans it up and kills
 * any other redis-server started for its folder: cleanup() kills the one named by the pid file,
 * a failed test may have left others.
 */
export async function withTestTown(
  opts: Parameters<typeof makeTestTown>[0],
  fn: (town: TestTown) => Promise<void>,
): Promise<void> {
  const town = await makeTestTown(opts);
  try {
    await fn(town);
  } finally {
    const strays = redisServersMentioning(`${town.dir}/`);
    await town.cleanup();
    for (const pid of strays) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
