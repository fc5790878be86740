/**
 * Review findings for the managed redis-server: stopping one tt cannot identify.
 */
import assert from "node:assert/strict";
import { RedisServerError } from "../src/errors.ts";
import { pingServer, stopServer } from "../src/redis/server.ts";
import { isAlive } from "../src/process.ts";
import { killIfAlive, managedServerIn, startManaged } from "./helpers/managed_server.ts";
import { startRedis } from "./helpers/redis.ts";

Deno.test("stop with an unreadable pid file and a refused SHUTDOWN reports failure", async () => {
  // SHUTDOWN renamed away stands in for any refusal (e.g. a failing save).
  const redis = await startRedis({ extraArgs: ["--rename-command", "SHUTDOWN", ""] });
  try {
    // Its files in a dir that is not the process's own, so nothing identifies the process
    // (as on a system without /proc).
    const dir = `${redis.dir}/state`;
    const server = managedServerIn(dir, { logFile: `${dir}/redis.log`, socketPath: redis.socket });
    await Deno.mkdir(dir);
    await Deno.writeTextFile(server.pidFile, "not a pid\n");
    await assert.rejects(stopServer(server), RedisServerError);
    // The server still runs, so its socket must stay: without it nothing can reach it again.
    assert.ok(redis.running);
    assert.ok(await pingServer(server), "the running server's socket was removed");
  } finally {
    await redis.stop();
  }
});

Deno.test("stop finds a server whose .tt/ was deleted, through a symlinked town path", async () => {
  const root = await Deno.makeTempDir({ prefix: "tt-review-" });
  await Deno.mkdir(`${root}/real`);
  await Deno.symlink(`${root}/real`, `${root}/link`);
  const dir = `${root}/link/.tt`;
  const server = managedServerIn(dir);
  let pid: number | undefined;
  try {
    pid = await startManaged(server);
    await Deno.remove(dir, { recursive: true });
    assert.equal(await stopServer(server), true, "the orphaned server was not found");
    assert.equal(isAlive(pid), false);
  } finally {
    killIfAlive(pid);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("stop does not wait out the SHUTDOWN timeout when it could not send SHUTDOWN", async () => {
  const root = await Deno.makeTempDir({ prefix: "tt-review-" });
  const dir = `${root}/.tt`;
  const server = managedServerIn(dir);
  let pid: number | undefined;
  try {
    pid = await startManaged(server);
    await Deno.remove(server.socketPath!); // alive, named by its pid file, but unreachable
    const started = Date.now();
    assert.equal(await stopServer(server), true);
    const took = Date.now() - started;
    assert.equal(isAlive(pid), false);
    assert.ok(await Deno.stat(`${dir}/dump.rdb`), "SIGTERM saves");
    assert.ok(took < 5000, `stop took ${took} ms waiting for a SHUTDOWN it never sent`);
  } finally {
    killIfAlive(pid);
    await Deno.remove(root, { recursive: true });
  }
});
