/** Where a town keeps its files. Every path is absolute and normalised. */
import { ConfigError } from "../errors.ts";
import { validateAgentName } from "../model/names.ts";
import { join, resolve } from "../path.ts";
import { CONFIG_FILE_NAME } from "./config_load.ts";

export interface TownPaths {
  root: string;
  configFile: string;
  /** `.tt/`, tt's private state. */
  ttDir: string;
  socket: string;
  pidFile: string;
  lockFile: string;
  /** tt's own logs (the server's); never an agent's. */
  logsDir: string;
  redisLog: string;
  /** One folder per agent name; see `agentPaths`. */
  agentsDir: string;
  tasksDir: string;
  binDir: string;
  aofFile: string;
}

/** The subset of `[redis]` that moves files around. */
export interface RedisPathSettings {
  socketPath?: string;
  aofPath?: string;
}

/**
 * Paths for the town at `root` (relative to the process cwd). `socketPath`/`aofPath` from
 * `[redis]` are resolved against the root; an absolute one is used as is.
 */
export function townPaths(root: string, redis: RedisPathSettings = {}): TownPaths {
  const abs = resolve(root);
  const ttDir = join(abs, ".tt");
  const logsDir = join(ttDir, "logs");
  const underRoot = (p: string) => resolve(abs, p);
  return {
    root: abs,
    configFile: join(abs, CONFIG_FILE_NAME),
    ttDir,
    socket: underRoot(redis.socketPath ?? ".tt/redis.sock"),
    pidFile: join(ttDir, "redis.pid"),
    lockFile: join(ttDir, "redis.lock"),
    logsDir,
    redisLog: join(logsDir, "redis.log"),
    agentsDir: join(ttDir, "agents"),
    tasksDir: join(ttDir, "tasks"),
    binDir: join(ttDir, "bin"),
    aofFile: underRoot(redis.aofPath ?? ".tt/redis.aof"),
  };
}

/** The files of one agent, all in its own folder, so no agent name can reach another file. */
export interface AgentPaths {
  name: string;
  /** `.tt/agents/<name>/` */
  dir: string;
  /** What the agent's loop prints, across every spawn and restart. */
  loopLog: string;
  /** The agent CLI's output in round `n`. */
  roundLog(n: number): string;
  /** The prompt handed to the CLI in round `n`. */
  roundPrompt(n: number): string;
}

/**
 * The paths of agent `name`. Names come from the command line and from records other tools or
 * restored files wrote, so the name is validated here, where every path is built: an invalid
 * one (`../../escaped`, `a/b`) throws ConfigError instead of naming a file outside its folder.
 */
export function agentPaths(paths: Pick<TownPaths, "agentsDir">, name: string): AgentPaths {
  validateAgentName(name);
  const dir = join(paths.agentsDir, name);
  const round = (n: number, ext: string) => {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new ConfigError(`round number must be a whole number >= 1, got ${n}`);
    }
    return join(dir, `round-${n}.${ext}`);
  };
  return {
    name,
    dir,
    loopLog: join(dir, "loop.log"),
    roundLog: (n) => round(n, "log"),
    roundPrompt: (n) => round(n, "prompt"),
  };
}

/** The round number of a file in an agent's folder (`round-12.log` -> 12), if it is one. */
export function roundFileNumber(
  fileName: string,
): { round: number; kind: "log" | "prompt" } | undefined {
  const m = /^round-([1-9][0-9]{0,15})\.(log|prompt)$/.exec(fileName);
  if (!m) return undefined;
  const round = Number(m[1]);
  return Number.isSafeInteger(round) ? { round, kind: m[2] as "log" | "prompt" } : undefined;
}
