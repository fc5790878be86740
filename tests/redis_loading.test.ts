/**
 * Right after a restart Redis answers LOADING while it reads its data. Connecting with
 * `loadingTimeoutMs` (as every town connection does) waits for the load to finish instead of
 * handing commands a raw LOADING error; past the deadline it fails with one clear error.
 * The loads are made slow, deterministically, with Redis's `key-load-delay` (per key, in
 * microseconds) on a small RDB, and `loading-process-events-interval-bytes` makes the loading
 * server accept connections and answer LOADING every KB (by default only every 2 MB).
 */
import assert from "node:assert/strict";
import { RedisClient, RedisLoadingError, RedisReplyError } from "../src/redis/mod.ts";
import { scratchServerArgs, waitFor } from "./helpers/redis.ts";
import { makeTestTown } from "./helpers/tt.ts";

const KEYS = 2000;
/** Per key: 2000 keys take about 2 s to load at least. */
const DELAY_US = 1000;
const SLOW_LOAD = [
  "--key-load-delay",
  String(DELAY_US),
  "--loading-process-events-interval-bytes",
  "1024",
];

/** Writes `dir/dump.rdb` holding KEYS keys, with a throw-away server. */
async function makeRdb(dir: string): Promise<void> {
  const socket = `${dir}/seed.sock`;
  const child = new Deno.Command("redis-server", {
    args: scratchServerArgs(dir, socket),
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const client = await waitFor("the seed server", () => canConnect(socket), 10_000)
      .then(() => RedisClient.connect(`unix://${socket}`));
    try {
      const p = client.pipeline();
      for (let i = 0; i < KEYS; i++) p.add("SET", `key:${i}`, `value ${i}`);
      await p.exec();
      await client.command(["SAVE"]);
    } finally {
      await client.close();
    }
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
}

async function canConnect(socket: string): Promise<boolean> {
  try {
    (await Deno.connect({ transport: "unix", path: socket })).close();
    return true;
  } catch {
    return false;
  }
}

/** A foreground redis-server loading `dir/dump.rdb` slowly. */
function startLoading(dir: string, socket: string): Deno.ChildProcess {
  return new Deno.Command("redis-server", {
    args: [...scratchServerArgs(dir, socket), ...SLOW_LOAD],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Until the server answers at all; then asserts it is still loading (the race is real). */
async function waitUntilLoading(socket: string): Promise<void> {
  await waitFor("the server to accept connections", () => canConnect(socket), 10_000);
  const raw = await RedisClient.connect(`unix://${socket}`);
  try {
    await assert.rejects(
      raw.get("key:1"),
      (err) => err instanceof RedisReplyError && err.code === "LOADING",
      "the server should still be loading",
    );
  } finally {
    await raw.close();
  }
}

Deno.test("connect with loadingTimeoutMs waits out LOADING; commands then see the data", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tt-loading-" });
  const socket = `${dir}/redis.sock`;
  let child: Deno.ChildProcess | undefined;
  try {
    await makeRdb(dir);
    child = startLoading(dir, socket);
    await waitUntilLoading(socket);
    const client = await RedisClient.connect({
      endpoint: { kind: "unix", path: socket },
      loadingTimeoutMs: 60_000,
    });
    try {
      assert.equal(await client.get(`key:${KEYS - 1}`), `value ${KEYS - 1}`);
      assert.equal(await client.command(["DBSIZE"]), KEYS);
    } finally {
      await client.close();
    }
  } finally {
    child?.kill("SIGKILL");
    await child?.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a load that outlasts loadingTimeoutMs is one RedisLoadingError", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tt-loading-" });
  const socket = `${dir}/redis.sock`;
  let child: Deno.ChildProcess | undefined;
  try {
    await makeRdb(dir);
    child = startLoading(dir, socket);
    await waitUntilLoading(socket);
    await assert.rejects(
      RedisClient.connect({ endpoint: { kind: "unix", path: socket }, loadingTimeoutMs: 200 }),
      (err) => {
        assert.ok(err instanceof RedisLoadingError, String(err));
        assert.match(err.message, /still loading its data after 0\.2 s/);
        return true;
      },
    );
  } finally {
    child?.kill("SIGKILL");
    await child?.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a tt command right after tt restarted a crashed, slow-loading server waits for it", async () => {
  const bin = await Deno.makeTempDir({ prefix: "tt-bin-" });
  try {
    // The town's redis-server, made slow to load.
    const real = new Deno.Command("sh", { args: ["-c", "command -v redis-server"] }).outputSync();
    const realPath = new TextDecoder().decode(real.stdout).trim();
    await Deno.writeTextFile(
      `${bin}/redis-server`,
      `#!/bin/sh\nexec '${realPath}' "$@" ${SLOW_LOAD.join(" ")}\n`,
    );
    await Deno.chmod(`${bin}/redis-server`, 0o755);
    const town = await makeTestTown({ env: { PATH: `${bin}:${Deno.env.get("PATH") ?? ""}` } });
    try {
      const file = `${town.dir}/tinytown.toml`;
      const toml = await Deno.readTextFile(file);
      // RDB only: the delay applies to RDB loading.
      await Deno.writeTextFile(file, toml.replace(/^persist = true$/m, "persist = false"));
      await town.ok("stop");
      await town.ok("start");
      await town.ok("backlog", "add", "found after the load");
      const client = await RedisClient.connect(`unix://${town.dir}/.tt/redis.sock`);
      try {
        const p = client.pipeline();
        for (let i = 0; i < KEYS; i++) p.add("SET", `filler:${i}`, "x");
        await p.exec();
        await client.command(["SAVE"]);
      } finally {
        await client.close();
      }
      const pid = Number((await Deno.readTextFile(`${town.dir}/.tt/redis.pid`)).trim());
      Deno.kill(pid, "SIGKILL");
      await waitFor("the server to die", async () => {
        try {
          return /^\d+ \(.*\) Z/.test(await Deno.readTextFile(`/proc/${pid}/stat`));
        } catch {
          return true;
        }
      });

      // `tt start` returns once the new server answers, LOADING included (a load of a few GB
      // takes long); the next command meets the load and must wait for it.
      const started = await town.tt("start");
      assert.equal(started.code, 0, started.stderr);
      assert.match(started.stderr, /had stopped without a clean shutdown/);
      const r = await town.tt("backlog", "list");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /found after the load/);
      assert.doesNotMatch(r.stderr, /LOADING/);
      const log = await Deno.readTextFile(`${town.dir}/.tt/logs/redis.log`);
      assert.match(log, /DB loaded from disk/);
    } finally {
      await town.tt("stop");
      await town.cleanup();
    }
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});
