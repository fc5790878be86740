/**
 * Telling which process is a town's redis-server, on Linux by /proc: the pid file may be stale
 * (its pid reused by an unrelated program) or gone with a deleted `.tt/`.
 */
import { isAlive } from "../process.ts";
import type { ManagedServer } from "./server.ts";

/**
 * A pid file outlives a crash or a reboot, and its pid may since belong to an unrelated
 * program that tt must neither wait for nor signal. On Linux the process must look like a
 * redis-server (its command line names redis, valkey or our binary); elsewhere any live
 * process counts.
 */
export function isServerProcess(server: ManagedServer, pid: number): boolean {
  if (!isAlive(pid)) return false;
  if (Deno.build.os !== "linux") return true;
  let cmdline: string;
  try {
    cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
  } catch {
    return false;
  }
  const binary = server.binary ?? "redis-server";
  return /redis|valkey/i.test(cmdline) ||
    cmdline.includes(binary.slice(binary.lastIndexOf("/") + 1));
}

/**
 * The redis-server whose working directory (set by `--dir`) is the server's dir, for when the
 * pid file cannot say. Linux only; a dir deleted under the process reads as `<dir> (deleted)`.
 */
export function findServerByDir(server: ManagedServer): number | undefined {
  if (Deno.build.os !== "linux") return undefined;
  const dir = realDir(server.dir);
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc")];
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry.name)) continue;
    let cwd: string;
    try {
      cwd = Deno.readLinkSync(`/proc/${entry.name}/cwd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    if (cwd !== dir && cwd !== `${dir} (deleted)`) continue;
    const pid = Number(entry.name);
    if (pid !== Deno.pid && isServerProcess(server, pid)) return pid;
  }
  return undefined;
}

/** `path` with symlinks resolved, as /proc shows it; also when only its parent still exists. */
function realDir(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    const cut = path.lastIndexOf("/");
    try {
      return `${Deno.realPathSync(path.slice(0, Math.max(1, cut)))}/${path.slice(cut + 1)}`;
    } catch {
      return path;
    }
  }
}
