/**
 * End-to-end tests of the redis-server tt manages for a town: how it is started (socket, TCP,
 * persistence), the version check, reuse and stale-state recovery, concurrent starts, stopping,
 * and external Redis (REDIS_URL / `[redis] url`). Each test runs the real `tt` as a subprocess.
 */
import assert from "node:assert/strict";
import { RedisClient, RedisReplyError } from "../src/redis/mod.ts";
import { checkServerBinary, stopServer } from "../src/redis/server.ts";
import { isAlive } from "../src/process.ts";
import { exists, findOnPath, withTempDir } from "./helpers/fs.ts";
import { killIfAlive, managedServerIn, startManaged } from "./helpers/managed_server.ts";
import { freePort, startRedis, waitFor } from "./helpers/redis.ts";
import {
  oneErrorLine,
  redisServersMentioning,
  runTt,
  type TestTown,
  withTestTown,
} from "./helpers/tt.ts";

// ---------------------------------------------------------------------------------------------
// Helpers

const socketOf = (town: TestTown) => `${town.dir}/.tt/redis.sock`;
const pidFileOf = (town: TestTown) => `${town.dir}/.tt/redis.pid`;

async function readPid(town: TestTown): Promise<number> {
  const text = (await Deno.readTextFile(pidFileOf(town))).trim();
  assert.match(text, /^\d+$/, `pid file holds '${text}'`);
  return Number(text);
}

async function configGet(client: RedisClient, name: string): Promise<string> {
  const reply = await client.command(["CONFIG", "GET", name]) as string[];
  assert.equal(reply.length, 2, `CONFIG GET ${name} -> ${JSON.stringify(reply)}`);
  return reply[1];
}

/** Writes an executable script `dir/name` (a fake or wrapped redis-server). */
async function writeScript(dir: string, name: string, body: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

async function connectTown(town: TestTown): Promise<RedisClient> {
  return await RedisClient.connect(`unix://${socketOf(town)}`);
}

// ---------------------------------------------------------------------------------------------
// How the managed server is started

Deno.test("managed server: daemonized, socket 700, no TCP, pid file, dir, log, RDB, AOF", async () => {
  await withTestTown({}, async (town) => {
    // `tt init` has exited; the server it started must still answer.
    const pid = await readPid(town);
    assert.ok(isAlive(pid), "redis-server outlives the tt that started it");
    const stat = await Deno.stat(socketOf(town));
    assert.ok(stat.isSocket, ".tt/redis.sock is a socket");
    assert.equal(stat.mode! & 0o777, 0o700);
    const client = await connectTown(town);
    try {
      assert.equal(await client.ping(), "PONG");
      assert.equal(await configGet(client, "port"), "0");
      assert.equal(await configGet(client, "unixsocket"), socketOf(town));
      assert.equal(await configGet(client, "dir"), `${town.dir}/.tt`);
      assert.equal(await configGet(client, "pidfile"), pidFileOf(town));
      assert.equal(await configGet(client, "logfile"), `${town.dir}/.tt/logs/redis.log`);
      assert.notEqual((await configGet(client, "save")).trim(), "");
      // AOF is the default (`[redis] persist = true`): a crash loses about a second at most.
      assert.equal(await configGet(client, "appendonly"), "yes");
      assert.equal(await configGet(client, "appendfsync"), "everysec");
      assert.equal((await client.info("server"))["process_id"], String(pid));
    } finally {
      await client.close();
    }
    assert.ok((await Deno.stat(`${town.dir}/.tt/logs/redis.log`)).size > 0);
  });
});

Deno.test("[redis] persist = false keeps RDB snapshots only", async () => {
  await withTestTown({ init: false }, async (town) => {
    await Deno.writeTextFile(
      `${town.dir}/tinytown.toml`,
      'name = "snapshots"\n\n[redis]\npersist = false\n',
    );
    await town.ok("start");
    const client = await connectTown(town);
    try {
      assert.equal(await configGet(client, "appendonly"), "no");
      assert.notEqual((await configGet(client, "save")).trim(), "");
    } finally {
      await client.close();
    }
  });
});

Deno.test("TCP mode binds to bind:port with a password; no AUTH gets NOAUTH", async () => {
  await withTestTown({ init: false }, async (town) => {
    const port = freePort();
    const password = "tcp-secret-123";
    await Deno.writeTextFile(
      `${town.dir}/tinytown.toml`,
      `name = "tcp"\n\n[redis]\nuse_socket = false\nhost = "127.0.0.1"\nbind = "127.0.0.1"\n` +
        `port = ${port}\npassword = "${password}"\n`,
    );
    const out = JSON.parse(await town.ok("start", "--json"));
    assert.equal(out.managed, true);
    assert.equal(out.started, true);
    assert.ok(!JSON.stringify(out).includes(password), "the password is never printed");
    assert.ok(await exists(pidFileOf(town)));

    const anon = await RedisClient.connect({
      endpoint: { kind: "tcp", hostname: "127.0.0.1", port },
    });
    try {
      await assert.rejects(
        () => anon.ping(),
        (err) => err instanceof RedisReplyError && err.code === "NOAUTH",
      );
    } finally {
      await anon.close();
    }
    const client = await RedisClient.connect({
      endpoint: { kind: "tcp", hostname: "127.0.0.1", port },
      password,
    });
    try {
      assert.equal(await configGet(client, "port"), String(port));
      assert.equal(await configGet(client, "bind"), "127.0.0.1");
      assert.equal(await configGet(client, "unixsocket"), "");
    } finally {
      await client.close();
    }
    // tt stop knows the password too.
    assert.match(await town.ok("stop"), /Stopped/);
    assert.equal(await exists(pidFileOf(town)), false);
  });
});

Deno.test("a non-loopback bind without a password is refused with one line", async () => {
  await withTestTown({ init: false }, async (town) => {
    await Deno.writeTextFile(
      `${town.dir}/tinytown.toml`,
      `name = "open"\n\n[redis]\nuse_socket = false\nhost = "127.0.0.1"\nbind = "0.0.0.0"\n` +
        `port = ${freePort()}\n`,
    );
    const r = await town.tt("start");
    assert.equal(r.code, 1);
    assert.match(oneErrorLine(r), /refusing .*0\.0\.0\.0.*password/);
    assert.equal(await exists(pidFileOf(town)), false, "no server was started");
  });
});

Deno.test("central mode: one TCP server in TT_HOME for all towns; tt stop leaves it", async () => {
  const port = freePort();
  await withTestTown({ init: false }, async (a) => {
    const centralPid = `${a.home}/redis.pid`;
    try {
      await a.ok("config", "redis.use_central", "true");
      await a.ok("config", "redis.port", String(port));
      await a.ok("config", "redis.password", "central-pw-1");
      const out = await a.ok("init", "--name", "ca", "--json");
      assert.ok(!out.includes("central-pw-1"), "init --json never prints the password");
      const init = JSON.parse(out);
      assert.equal(init.redis_url, `redis://:****@127.0.0.1:${port}`);
      assert.equal(init.started_server, true);
      const pid = Number((await Deno.readTextFile(centralPid)).trim());
      assert.ok(isAlive(pid));
      assert.equal(await exists(pidFileOf(a)), false, "no per-town server");

      await withTestTown({ init: false, env: { TT_HOME: a.home } }, async (b) => {
        const second = JSON.parse(await b.ok("init", "--name", "cb", "--json"));
        assert.equal(second.started_server, false, "the second town shares the server");
        const stop = JSON.parse(await b.ok("stop", "--json"));
        assert.equal(stop.managed, true);
        assert.equal(stop.central, true);
        assert.equal(stop.stopped, false);
      });
      assert.ok(isAlive(pid), "tt stop leaves the central server to the other towns");
      const client = await RedisClient.connect({
        endpoint: { kind: "tcp", hostname: "127.0.0.1", port },
        password: "central-pw-1",
      });
      try {
        assert.equal(await configGet(client, "dir"), a.home);
      } finally {
        await client.close();
      }
    } finally {
      const pid = Number((await Deno.readTextFile(centralPid).catch(() => "")).trim());
      if (pid > 0 && isAlive(pid)) Deno.kill(pid, "SIGKILL");
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Version check

const OLD_REDIS =
  'echo "Redis server v=6.2.6 sha=00000000:0 malloc=jemalloc-5.1.0 bits=64 build=1"';

Deno.test("tt init refuses redis-server 6.2.6 with one line and writes no tinytown.toml", async () => {
  await withTempDir(async (bin) => {
    await writeScript(bin, "redis-server", OLD_REDIS);
    const env = { PATH: `${bin}:${Deno.env.get("PATH") ?? ""}` };
    await withTestTown({ init: false, env }, async (town) => {
      const r = await town.tt("init", "--name", "old");
      assert.equal(r.code, 1);
      const line = oneErrorLine(r);
      assert.match(line, /6\.2\.6/);
      assert.match(line, /7\.0/);
      assert.equal(await exists(`${town.dir}/tinytown.toml`), false);
      assert.equal(await exists(pidFileOf(town)), false);
    });
  });
});

Deno.test("tt init without redis-server on PATH says how to install it", async () => {
  await withTempDir(async (emptyBin) => {
    await withTestTown({ init: false, env: { PATH: emptyBin } }, async (town) => {
      const r = await town.tt("init", "--name", "nobin");
      assert.equal(r.code, 1);
      const line = oneErrorLine(r);
      assert.match(line, /redis-server/);
      assert.match(line, /install/);
      assert.equal(await exists(`${town.dir}/tinytown.toml`), false);
    });
  });
});

Deno.test("checkServerBinary accepts Valkey 8.1 and Redis 7, rejects 6.2 and garbage", async () => {
  await withTempDir(async (bin) => {
    const valkey = await writeScript(
      bin,
      "valkey-server",
      'echo "Valkey server v=8.1.0 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=2"',
    );
    const v = await checkServerBinary(valkey);
    assert.deepEqual(v, { major: 8, minor: 1, patch: 0, flavor: "valkey" });
    assert.ok((await checkServerBinary(findOnPath("redis-server"))).major >= 7);
    const old = await writeScript(bin, "old-redis", OLD_REDIS);
    await assert.rejects(() => checkServerBinary(old), /6\.2\.6.*7\.0/);
    const odd = await writeScript(bin, "odd-redis", 'echo "hello"');
    await assert.rejects(() => checkServerBinary(odd), /cannot tell the version/);
    await assert.rejects(() => checkServerBinary(`${bin}/absent`), /not found.*install/);
  });
});

// ---------------------------------------------------------------------------------------------
// Reuse, stale state, concurrency

Deno.test("tt start reuses a live server (same pid)", async () => {
  await withTestTown({}, async (town) => {
    const pid = await readPid(town);
    for (let i = 0; i < 2; i++) {
      const out = JSON.parse(await town.ok("start", "--json"));
      assert.equal(out.started, false);
      assert.equal(await readPid(town), pid);
    }
    assert.deepEqual(redisServersMentioning(socketOf(town)), [pid]);
  });
});

Deno.test("a server killed with SIGKILL leaves files that tt start cleans up", async () => {
  await withTestTown({}, async (town) => {
    const pid = await readPid(town);
    Deno.kill(pid, "SIGKILL");
    await waitFor("the killed server to exit", () => !isAlive(pid));
    assert.ok(await exists(socketOf(town)), "the crash left the socket file");
    assert.ok(await exists(pidFileOf(town)), "the crash left the pid file");
    const out = JSON.parse(await town.ok("start", "--json"));
    assert.equal(out.started, true);
    const pid2 = await readPid(town);
    assert.notEqual(pid2, pid);
    assert.deepEqual(redisServersMentioning(socketOf(town)), [pid2]);
    const client = await connectTown(town);
    try {
      assert.equal(await client.ping(), "PONG");
    } finally {
      await client.close();
    }
  });
});

Deno.test("a garbage pid file and a non-socket file at the socket path are replaced", async () => {
  await withTestTown({}, async (town) => {
    await town.ok("stop");
    await Deno.writeTextFile(pidFileOf(town), "not-a-pid\n");
    await Deno.writeTextFile(socketOf(town), "");
    const out = JSON.parse(await town.ok("start", "--json"));
    assert.equal(out.started, true);
    assert.ok((await Deno.lstat(socketOf(town))).isSocket);
    assert.ok(isAlive(await readPid(town)));
  });
});

Deno.test("a pid file naming an unrelated live process is stale: not waited on, not killed", async () => {
  const sleeper = new Deno.Command("sleep", { args: ["60"], stdout: "null", stderr: "null" })
    .spawn();
  try {
    await withTestTown({}, async (town) => {
      await town.ok("stop");
      // As after a reboot: the old pid now belongs to some other program.
      await Deno.writeTextFile(pidFileOf(town), `${sleeper.pid}\n`);
      await Deno.writeTextFile(socketOf(town), "");
      const t0 = Date.now();
      const out = JSON.parse(await town.ok("start", "--json"));
      assert.equal(out.started, true);
      assert.ok(Date.now() - t0 < 8000, "start did not wait for the unrelated process");
      assert.notEqual(await readPid(town), sleeper.pid);
      assert.ok(isAlive(sleeper.pid));

      await town.ok("stop");
      await Deno.writeTextFile(pidFileOf(town), `${sleeper.pid}\n`);
      const stop = await town.tt("stop");
      assert.equal(stop.code, 0, stop.stderr);
      assert.match(stop.stdout, /not running/);
      assert.ok(isAlive(sleeper.pid), "tt stop must not signal a process that is not redis");
      assert.equal(await exists(pidFileOf(town)), false);
    });
  } finally {
    try {
      sleeper.kill("SIGKILL");
    } catch {
      // already gone
    }
    await sleeper.status;
  }
});

Deno.test("ten tt start at once against a stopped town end with exactly one server", async () => {
  await withTestTown({}, async (town) => {
    await town.ok("stop");
    assert.deepEqual(redisServersMentioning(socketOf(town)), []);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => town.tt("start", "--json")),
    );
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const started = results.filter((r) => JSON.parse(r.stdout).started === true);
    assert.equal(started.length, 1, "exactly one of them started the server");
    assert.deepEqual(redisServersMentioning(socketOf(town)), [await readPid(town)]);
  });
});

// ---------------------------------------------------------------------------------------------
// Stopping

Deno.test("tt stop saves (SHUTDOWN SAVE), waits for the pid, removes the socket", async () => {
  await withTestTown({}, async (town) => {
    const pid = await readPid(town);
    const client = await connectTown(town);
    try {
      await client.set("tt:test-town:probe", "kept across a restart");
    } finally {
      await client.close();
    }
    assert.match(await town.ok("stop"), /Stopped/);
    assert.equal(isAlive(pid), false, "tt stop returns only after the server exited");
    assert.equal(await exists(socketOf(town)), false);
    assert.equal(await exists(pidFileOf(town)), false);
    assert.ok(await exists(`${town.dir}/.tt/dump.rdb`));
    assert.deepEqual(redisServersMentioning(socketOf(town)), []);

    await town.ok("start");
    const again = await connectTown(town);
    try {
      assert.equal(await again.get("tt:test-town:probe"), "kept across a restart");
    } finally {
      await again.close();
    }
  });
});

Deno.test("stopServer falls back to SIGTERM, promptly, when SHUTDOWN is refused", async () => {
  await withTempDir(async (dir) => {
    // A redis-server without a SHUTDOWN command: it can only be stopped by a signal.
    const binary = await writeScript(
      `${dir}/bin`,
      "redis-server",
      `exec '${findOnPath("redis-server")}' "$@" --rename-command SHUTDOWN ""`,
    );
    const server = managedServerIn(dir, { binary });
    let pid: number | undefined;
    try {
      pid = await startManaged(server);
      const client = await RedisClient.connect(`unix://${server.socketPath}`);
      try {
        await client.set("k", "v");
        await assert.rejects(() => client.command(["SHUTDOWN", "NOSAVE"]), RedisReplyError);
      } finally {
        await client.close();
      }
      const t0 = Date.now();
      assert.equal(await stopServer(server), true);
      const took = Date.now() - t0;
      assert.equal(isAlive(pid), false);
      assert.ok(took < 8000, `stop took ${took} ms; it should not wait out the SHUTDOWN timeout`);
      assert.equal(await exists(server.socketPath!), false);
      assert.equal(await exists(server.pidFile), false);
      assert.ok(await exists(`${dir}/dump.rdb`), "SIGTERM makes redis save as well");
      assert.equal(await stopServer(server), false, "nothing left to stop");
    } finally {
      killIfAlive(pid);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// External Redis

Deno.test("REDIS_URL: tt init starts no server, tt start and stop leave it alone", async () => {
  const redis = await startRedis();
  try {
    await withTestTown({ init: false, env: { REDIS_URL: redis.url } }, async (town) => {
      const init = JSON.parse(await town.ok("init", "--name", "remote", "--json"));
      assert.equal(init.managed_redis, false);
      assert.equal(init.redis_url, redis.url);
      assert.equal(await exists(pidFileOf(town)), false);
      assert.equal(await exists(socketOf(town)), false);
      assert.deepEqual(redisServersMentioning(town.dir), []);

      const start = JSON.parse(await town.ok("start", "--json"));
      assert.equal(start.managed, false);
      assert.equal(start.started, false);
      const stop = JSON.parse(await town.ok("stop", "--json"));
      assert.equal(stop.managed, false);
      assert.equal(stop.stopped, false);
      assert.equal(await exists(pidFileOf(town)), false);
    });
    const client = await RedisClient.connect(redis.url);
    try {
      assert.equal(await client.ping(), "PONG", "tt stop left the external Redis running");
    } finally {
      await client.close();
    }
  } finally {
    await redis.stop();
  }
});

Deno.test("[redis] url in tinytown.toml is an external Redis too", async () => {
  const redis = await startRedis();
  try {
    await withTestTown({ init: false }, async (town) => {
      await Deno.writeTextFile(
        `${town.dir}/tinytown.toml`,
        `name = "fromfile"\n\n[redis]\nurl = "${redis.url}"\n`,
      );
      const start = JSON.parse(await town.ok("start", "--json"));
      assert.equal(start.managed, false);
      assert.equal(start.redis, redis.url);
      assert.equal(await exists(pidFileOf(town)), false);
      assert.deepEqual(redisServersMentioning(town.dir), []);
    });
  } finally {
    await redis.stop();
  }
});

Deno.test("an unreachable REDIS_URL gives one error line with the password redacted", async () => {
  const port = freePort();
  const url = `redis://:s3cret-pw@127.0.0.1:${port}`;
  await withTestTown({ init: false, env: { REDIS_URL: url } }, async (town) => {
    await Deno.writeTextFile(`${town.dir}/tinytown.toml`, 'name = "away"\n');
    for (const args of [["start"], ["--town", `${town.dir}/sub`, "init", "--name", "away2"]]) {
      const r = await town.tt(...args);
      assert.equal(r.code, 1, `tt ${args.join(" ")}`);
      const line = oneErrorLine(r);
      assert.ok(line.includes(`redis://:****@127.0.0.1:${port}`), line);
      assert.ok(!(r.stdout + r.stderr).includes("s3cret"), "the password is never printed");
    }
    assert.equal(await exists(pidFileOf(town)), false);
    // The failed init left no config behind, so it can be retried once the URL is right.
    assert.equal(await exists(`${town.dir}/sub/tinytown.toml`), false);
    const redis = await startRedis();
    try {
      const retry = await runTt(["--town", `${town.dir}/sub`, "init", "--name", "away2"], {
        env: { ...town.env, REDIS_URL: redis.url },
      });
      assert.equal(retry.code, 0, retry.stderr);
    } finally {
      await redis.stop();
    }
  });
});
