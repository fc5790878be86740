/**
 * The files of a town's loop hosts on this machine: `.tt/hosts/<key>.pid` says which process
 * is the host `tt spawn` hands new loops to, `<key>.log` is its own log. The key is a digest of
 * the environment the host was started with, so a loop always runs with the environment of
 * the command that spawned it, as when each loop was its own process.
 */
import { envObject } from "../town/env.ts";
import { join } from "../path.ts";
import { isAlive } from "../process.ts";
import type { TownPaths } from "../town/paths.ts";

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** Variables a shell changes from one prompt to the next; they never reach a loop's work. */
const VOLATILE = new Set(["PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES"]);

/** The host key for an environment: 16 hex digits (FNV-1a, 64 bits, of the sorted entries). */
export function hostKey(env: Record<string, string> = envObject()): string {
  const text = Object.keys(env).filter((k) => !VOLATILE.has(k)).sort()
    .map((k) => `${k}=${env[k]}\0`).join("");
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

export function isHostKey(s: string): boolean {
  return /^[0-9a-f]{16}$/.test(s);
}

export function hostFiles(paths: Pick<TownPaths, "ttDir">, key: string) {
  const dir = join(paths.ttDir, "hosts");
  return {
    dir,
    pidFile: join(dir, `${key}.pid`),
    logFile: join(dir, `${key}.log`),
    /** The names of the agents whose loops the host runs, one a line (for `tt stop` without Redis). */
    agentsFile: join(dir, `${key}.agents`),
  };
}

export async function writeHostPid(paths: Pick<TownPaths, "ttDir">, key: string, pid: number) {
  const f = hostFiles(paths, key);
  await Deno.mkdir(f.dir, { recursive: true, mode: DIR_MODE });
  await Deno.writeTextFile(f.pidFile, `${pid}\n`, { mode: FILE_MODE });
}

/** Removes the pid file if it still names `pid` (a newer host may have taken over). */
export async function removeHostPid(paths: Pick<TownPaths, "ttDir">, key: string, pid: number) {
  const f = hostFiles(paths, key);
  try {
    if (Number((await Deno.readTextFile(f.pidFile)).trim()) === pid) await Deno.remove(f.pidFile);
  } catch {
    // gone already
  }
}

/** The pid of the live host with this key, if any. */
export async function liveHostPid(
  paths: Pick<TownPaths, "ttDir">,
  key: string,
): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await Deno.readTextFile(hostFiles(paths, key).pidFile)).trim());
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0 || !isHostProcess(pid)) return undefined;
  return pid;
}

/** Whether `pid` is a live loop host (`tt … agent-host …`), not a recycled pid. */
export function isHostProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  if (Deno.build.os !== "linux") return true;
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").includes("agent-host");
  } catch {
    return false;
  }
}

/** Records the agents a host runs (sync: called as loops start and end). */
export function writeHostAgents(paths: Pick<TownPaths, "ttDir">, key: string, names: string[]) {
  const f = hostFiles(paths, key);
  Deno.writeTextFileSync(f.agentsFile, names.map((n) => `${n}\n`).join(""), { mode: FILE_MODE });
}

/** The agents a host said it runs; empty when it left no record. */
export function readHostAgents(paths: Pick<TownPaths, "ttDir">, key: string): string[] {
  try {
    return Deno.readTextFileSync(hostFiles(paths, key).agentsFile).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}
