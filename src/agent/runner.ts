/**
 * Runs one round of an agent CLI as a real process: argv only (never a shell), prompt on
 * stdin (or as a file for the CLIs that want it that way), stdout+stderr into the
 * round's log file, in its own session so a timeout or cancel can end the whole process tree.
 */
import { envObject } from "../town/env.ts";
import { type ChildProcess, spawn } from "node:child_process";
import { type FileHandle, mkdir, readdir, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import process from "node:process";
import { describeError } from "../errors.ts";
import { openPrivateFile, PRIVATE_DIR_MODE } from "../private_files.ts";
import type { AgentCli } from "../town/cli_presets.ts";
import { sleep } from "../sleep.ts";

export type RunOutcome = "ok" | "failed" | "timeout" | "stalled" | "cancelled" | "spawn_error";

export interface RunResult {
  outcome: RunOutcome;
  /** The CLI's exit code, when it exited on its own. */
  exitCode?: number;
  /** The signal that ended the CLI (e.g. "SIGTERM"), if any. */
  signal?: string;
  /** One line, for "spawn_error". */
  error?: string;
  durationMs: number;
}

export interface RunAgentCliOptions {
  cli: AgentCli;
  /** Already written by the caller; passed to auggie as `--instruction-file`. */
  promptFile: string;
  prompt: string;
  /** The CLI's workdir (the town root unless `[agent_clis.<name>] workdir` says otherwise). */
  cwd: string;
  /** Added to the inherited environment (see cliEnvironment in cli_env.ts). */
  env: Record<string, string>;
  /** Created or truncated; receives both stdout and stderr. */
  logFile: string;
  /** No limit when absent. */
  timeoutMs?: number;
  /** Ends the CLI ("stalled") once the log file has not grown for this long; absent: never. */
  stallTimeoutMs?: number;
  signal?: AbortSignal;
  /** Called every `heartbeatMs` while the CLI runs; errors are swallowed. */
  onHeartbeat?: () => void | Promise<void>;
  /** Default 5000. */
  heartbeatMs?: number;
  /** Told the CLI's pid (also its process group id) once it started; errors are swallowed. */
  onStart?: (pid: number) => void | Promise<void>;
  /** How long a stopped CLI gets after SIGTERM before SIGKILL. Default 5000. */
  killGraceMs?: number;
}

/** How a CLI is started: the program, its arguments and what goes on its stdin. */
export interface CliInvocation {
  program: string;
  args: string[];
  /** undefined: stdin is /dev/null. */
  stdin?: string;
}

/**
 * How each CLI gets its prompt, which never goes on argv (every local user can read that in
 * ps): auggie reads `--instruction-file <file>`; aider `--message-file <file>` (an old-style
 * trailing `--message`/`-m` is turned into that); Cursor's agent CLI takes its prompt only as
 * an argument, so it gets one sentence naming the prompt file; every other CLI reads the prompt
 * on stdin.
 */
export function cliInvocation(cli: AgentCli, promptFile: string, prompt: string): CliInvocation {
  const [program, ...args] = cli.argv;
  switch (cli.name) {
    case "auggie":
      return { program, args: [...args, "--instruction-file", promptFile] };
    case "aider":
      return { program, args: aiderArgs(args, promptFile) };
    case "cursor":
      return { program, args: [...args, promptFileReference(promptFile)] };
    default:
      return { program, args, stdin: prompt };
  }
}

const AIDER_MESSAGE_FLAGS = ["--message", "--msg", "-m"];
const AIDER_MESSAGE_FILE_FLAGS = ["--message-file", "-f"];

function aiderArgs(args: string[], promptFile: string): string[] {
  const last = args.at(-1) ?? "";
  if (AIDER_MESSAGE_FILE_FLAGS.includes(last)) return [...args, promptFile];
  const kept = AIDER_MESSAGE_FLAGS.includes(last) ? args.slice(0, -1) : args;
  return [...kept, "--message-file", promptFile];
}

/** The whole prompt for a CLI that only takes one as an argument: where to read the real one. */
export function promptFileReference(promptFile: string): string {
  return `Your instructions for this round are in the file ${promptFile}. ` +
    "Read that whole file first, then do what it says.";
}

const DEFAULT_HEARTBEAT_MS = 5000;
const DEFAULT_KILL_GRACE_MS = 5000;
/** After SIGKILL only a process stuck in the kernel can linger; don't wait on it forever. */
const AFTER_KILL_WAIT_MS = 2000;
/** A slow heartbeat (Redis unreachable) must not hold up the end of a round for long. */
const HEARTBEAT_DRAIN_MS = 1000;

type Ended =
  | { kind: "exit"; code: number | null; signal: string | null }
  | { kind: "error"; error: unknown };

/** Runs the CLI once and reports how it ended; never throws for process failures. */
export async function runAgentCli(opts: RunAgentCliOptions): Promise<RunResult> {
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  const spawnError = (error: string): RunResult => ({
    outcome: "spawn_error",
    error,
    durationMs: durationMs(),
  });
  if (opts.signal?.aborted) return { outcome: "cancelled", durationMs: durationMs() };
  if (opts.cli.argv.length === 0) return spawnError(`agent CLI '${opts.cli.name}' has no program`);

  const inv = cliInvocation(opts.cli, opts.promptFile, opts.prompt);
  if (!(await isDirectory(opts.cwd))) return spawnError(`working directory not found: ${opts.cwd}`);

  let log: FileHandle;
  try {
    await mkdir(dirname(opts.logFile), { recursive: true, mode: PRIVATE_DIR_MODE });
    log = await openPrivateFile(opts.logFile, "w");
  } catch (err) {
    return spawnError(`cannot open log file ${opts.logFile}: ${describeError(err)}`);
  }
  let child: ChildProcess;
  let ended: Promise<Ended>;
  try {
    // Both streams share one open file description, so the file keeps their arrival order.
    child = spawn(inv.program, inv.args, {
      cwd: opts.cwd,
      env: { ...envObject(), ...opts.env },
      detached: true,
      stdio: [inv.stdin === undefined ? "ignore" : "pipe", log.fd, log.fd],
    });
    ended = waitForEnd(child);
  } catch (err) {
    return spawnError(startFailure(opts.cli.name, inv.program, err));
  } finally {
    await log.close(); // the child has its own copy
  }

  const first = await Promise.race([ended, spawned(child)]);
  if (first !== "spawned" && first.kind === "error") {
    child.stdin?.destroy();
    return spawnError(startFailure(opts.cli.name, inv.program, first.error));
  }
  const pid = child.pid!;
  feedStdin(child, inv.stdin);
  try {
    await opts.onStart?.(pid);
  } catch {
    // Recording the pid is best effort; the round itself goes on.
  }

  let stopReason: "timeout" | "stalled" | "cancelled" | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (why: "timeout" | "stalled" | "cancelled") => {
    if (stopReason) return;
    stopReason = why;
    stopping = terminateGroup(pid, opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
  };
  const onAbort = () => stop("cancelled");
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  if (opts.signal?.aborted) stop("cancelled"); // aborted while we were starting it
  const timer = opts.timeoutMs === undefined
    ? undefined
    : setTimeout(() => stop("timeout"), Math.max(0, opts.timeoutMs));
  const heartbeat = startHeartbeat(opts.onHeartbeat, opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  const stallWatch = opts.stallTimeoutMs === undefined
    ? undefined
    : watchForStall(opts.logFile, opts.stallTimeoutMs, () => stop("stalled"));

  let end: Ended;
  try {
    end = await ended;
  } finally {
    clearTimeout(timer);
    if (stallWatch !== undefined) clearInterval(stallWatch);
    opts.signal?.removeEventListener("abort", onAbort);
    await heartbeat.stop();
  }
  if (stopping) await stopping;
  child.stdin?.destroy();

  const result: RunResult = { outcome: "ok", durationMs: durationMs() };
  if (end.kind === "exit") {
    if (end.code !== null) result.exitCode = end.code;
    if (end.signal !== null) result.signal = end.signal;
  }
  if (stopReason) result.outcome = stopReason;
  else if (end.kind !== "exit" || end.code !== 0) result.outcome = "failed";
  return result;
}

/**
 * Calls `onStall` once the file has not grown for `stallMs`. Both of the CLI's output streams
 * go to the file, so its size is the CLI's sign of life.
 */
function watchForStall(file: string, stallMs: number, onStall: () => void) {
  let size = -1;
  let changedAt = performance.now();
  let busy = false;
  return setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const now = (await stat(file).catch(() => undefined))?.size ?? size;
      if (now !== size) {
        size = now;
        changedAt = performance.now();
      } else if (performance.now() - changedAt >= stallMs) onStall();
    } finally {
      busy = false;
    }
  }, Math.max(10, Math.min(1000, Math.floor(stallMs / 4))));
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Settles when the process has exited, or when it could not be started at all. */
function waitForEnd(child: ChildProcess): Promise<Ended> {
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ kind: "exit", code, signal }));
    // After a successful start, 'error' only reports failed kill()s, which we ignore.
    child.on("error", (error) => {
      if (child.pid === undefined) resolve({ kind: "error", error });
    });
  });
}

function spawned(child: ChildProcess): Promise<"spawned"> {
  if (child.pid !== undefined) return Promise.resolve("spawned");
  return new Promise((resolve) => child.once("spawn", () => resolve("spawned")));
}

function startFailure(cliName: string, program: string, err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (code === "ENOENT") return `agent CLI '${cliName}': program not found: ${program}`;
  if (code === "EACCES") return `agent CLI '${cliName}': permission denied: ${program}`;
  return `cannot start agent CLI '${cliName}' (${program}): ${describeError(err)}`;
}

/** Writes the prompt and closes stdin; a CLI that exits without reading it is fine (EPIPE). */
function feedStdin(child: ChildProcess, text: string | undefined): void {
  const stdin = child.stdin;
  if (!stdin) return;
  stdin.on("error", () => {});
  if (text === undefined) stdin.end();
  else stdin.end(text);
}

interface Heartbeat {
  /** Stops the timer and waits (briefly) for a beat still in flight. */
  stop(): Promise<void>;
}

function startHeartbeat(
  beat: (() => void | Promise<void>) | undefined,
  everyMs: number,
): Heartbeat {
  if (!beat) return { stop: () => Promise.resolve() };
  let inFlight: Promise<void> | undefined;
  const tick = () => {
    if (inFlight) return; // the previous beat is still waiting on Redis; don't pile up
    inFlight = (async () => {
      try {
        await beat();
      } catch {
        // Redis may be down; the round goes on regardless.
      }
    })().finally(() => inFlight = undefined);
  };
  const interval = setInterval(tick, Math.max(1, everyMs));
  return {
    async stop() {
      clearInterval(interval);
      if (inFlight) await withTimeout(inFlight, HEARTBEAT_DRAIN_MS);
    },
  };
}

async function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([p, new Promise<void>((r) => timer = setTimeout(r, ms))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * SIGTERM to the CLI's process group, up to `graceMs` for every member to go, then SIGKILL.
 * The CLI was started with setsid, so its pid is also its group id.
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, "SIGTERM");
  if (await waitGroupGone(pgid, graceMs)) return;
  signalGroup(pgid, "SIGKILL");
  await waitGroupGone(pgid, AFTER_KILL_WAIT_MS);
}

function signalGroup(pgid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5;; wait = Math.min(wait * 2, 50)) {
    if (!(await groupAlive(pgid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(wait, Math.max(1, deadline - Date.now())));
  }
}

/**
 * True while a live process remains in the group. A zombie still counts for kill(2), and some
 * container inits are slow to reap orphans, so on Linux the members are checked in /proc.
 */
async function groupAlive(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return true; // no /proc: trust kill(2)
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // Fields after the ")" that closes the command name: state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
  }
  return false;
}
