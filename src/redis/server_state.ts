/**
 * Whether a managed redis-server is running, read from its pid file and /proc, without the
 * code that starts and stops it (server.ts): `tt status` and opening a town need only this.
 */
import type { ManagedServer } from "./server.ts";
import { isServerProcess } from "./server_process.ts";

export interface ServerState {
  running: boolean;
  pid?: number;
}

/** Reads the pid file and tells whether that process is alive and a redis-server. */
export async function serverState(server: ManagedServer): Promise<ServerState> {
  const pid = await readPid(server.pidFile);
  if (pid === undefined) return { running: false };
  return isServerProcess(server, pid) ? { running: true, pid } : { running: false, pid };
}

/**
 * Whether a server that is not running died without a clean shutdown: a clean one removes its
 * pid file and socket, so finding either means it was killed (SIGKILL, the OOM killer, a power
 * cut) rather than stopped on purpose.
 */
export async function diedUncleanly(server: ManagedServer): Promise<boolean> {
  const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);
  return await exists(server.pidFile) ||
    (server.socketPath !== undefined && await exists(server.socketPath));
}

async function readPid(pidFile: string): Promise<number | undefined> {
  try {
    const text = (await Deno.readTextFile(pidFile)).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}
