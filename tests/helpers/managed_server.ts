/**
 * A managed redis-server for the tests that drive src/redis/server.ts directly rather than
 * through tt: laid out in a folder as a town's `.tt/` holds it (Unix socket, RDB only).
 */
import assert from "node:assert/strict";
import { isAlive } from "../../src/process.ts";
import { ensureServer, type ManagedServer } from "../../src/redis/server.ts";

/** The server whose files are in `dir`; `more` changes or adds to that layout. */
export function managedServerIn(dir: string, more: Partial<ManagedServer> = {}): ManagedServer {
  return {
    dir,
    pidFile: `${dir}/redis.pid`,
    logFile: `${dir}/logs/redis.log`,
    lockFile: `${dir}/redis.lock`,
    socketPath: `${dir}/redis.sock`,
    appendOnly: false,
    aofName: "redis.aof",
    ...more,
  };
}

/** Starts a server that was not running; its pid, from its pid file. */
export async function startManaged(server: ManagedServer): Promise<number> {
  assert.deepEqual(await ensureServer(server), { started: true });
  return Number((await Deno.readTextFile(server.pidFile)).trim());
}

/** Kills what a failed test left running (a test that passes has stopped it). */
export function killIfAlive(pid: number | undefined): void {
  if (pid !== undefined && isAlive(pid)) Deno.kill(pid, "SIGKILL");
}
