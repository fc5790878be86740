/**
 * Starting `tt agent-loop` for `tt spawn` / `tt restart`: detached in its own session with its
 * output in the agent's log (the default), or attached to the terminal (`--foreground`).
 */
import { envObject } from "../town/env.ts";
import { spawn } from "node:child_process";
import { type FileHandle, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { describeError, TtError } from "../errors.ts";
import { openPrivateFile, PRIVATE_DIR_MODE } from "../private_files.ts";
import { ttArgv } from "./tt_shim.ts";
import { loopV8Flags } from "./v8_flags.ts";

export interface AgentLoopCommandOptions {
  /** The canonical town root, passed as `--town`. */
  root: string;
  name: string;
  id: string;
  maxRounds: number;
  /** Appended after the max-rounds argument. */
  extraArgs?: string[];
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  /** Replaces the tt program part (default `ttArgv()`); the agent-loop arguments still follow. */
  command?: string[];
  /** Replaces `agent-loop` (a loop host is `agent-host <key>`, see host_launch.ts). */
  subcommand?: string[];
}

export interface LaunchAgentLoopOptions extends AgentLoopCommandOptions {
  /** Appended to (the caller truncates it first when it wants a fresh log). */
  logFile: string;
}

/** The full argv: `<tt> --town <root> agent-loop <name> <id> <maxRounds> [extraArgs…]`. */
export function agentLoopArgv(opts: AgentLoopCommandOptions): string[] {
  return [
    ...(opts.command ?? ttArgv()),
    "--town",
    opts.root,
    ...(opts.subcommand ?? ["agent-loop"]),
    opts.name,
    opts.id,
    String(opts.maxRounds),
    ...(opts.extraArgs ?? []),
  ];
}

/**
 * Starts the agent loop in the background and returns its pid without waiting for it: new
 * session (so it has no controlling terminal and outlives us), stdin from /dev/null, stdout
 * and stderr appended to `logFile`. Throws a TtError when it cannot be started.
 */
export async function launchAgentLoop(opts: LaunchAgentLoopOptions): Promise<number> {
  const [program, ...args] = agentLoopArgv(opts);
  let log: FileHandle;
  try {
    await mkdir(dirname(opts.logFile), { recursive: true, mode: PRIVATE_DIR_MODE });
    log = await openPrivateFile(opts.logFile, "a");
  } catch (err) {
    throw new TtError(`cannot open log file ${opts.logFile}: ${describeError(err)}`);
  }
  try {
    const child = spawn(program, args, {
      env: { ...envObject(), ...loopV8Flags(), ...opts.env },
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
    });
    const started = await new Promise<number | Error>((resolve) => {
      if (child.pid !== undefined) resolve(child.pid);
      child.once("spawn", () => resolve(child.pid!));
      child.once("error", (err) => resolve(err));
    });
    if (started instanceof Error) {
      throw new TtError(
        `cannot start the agent loop for '${opts.name}': ${describeError(started)}`,
      );
    }
    child.unref();
    return started;
  } finally {
    await log.close(); // the child has its own copy
  }
}

/** Runs the agent loop attached to this terminal and returns its exit code. */
export async function runAgentLoopForeground(opts: AgentLoopCommandOptions): Promise<number> {
  const [program, ...args] = agentLoopArgv(opts);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      env: opts.env,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (err) {
    throw new TtError(`cannot start the agent loop for '${opts.name}': ${describeError(err)}`);
  }
  return (await child.status).code;
}
