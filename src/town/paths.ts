/** Where a town keeps its files. Every path is absolute and normalised. */
import { join, resolve } from "../path.ts";
import { CONFIG_FILE_NAME } from "./config.ts";

export interface TownPaths {
  root: string;
  configFile: string;
  /** `.tt/`, tt's private state. */
  ttDir: string;
  socket: string;
  pidFile: string;
  lockFile: string;
  logsDir: string;
  redisLog: string;
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
