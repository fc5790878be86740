/**
 * A managed redis-server on TCP always requires a password: one is generated into the 0600
 * `.tt/redis.password` when none is configured, and every tt process uses it (commands, agent
 * loops). No password ever goes on a command line (every local user can read
 * /proc/PID/cmdline): redis-server gets it from a 0600 config file.
 */
import assert from "node:assert/strict";
import { RedisClient, RedisReplyError } from "../src/redis/mod.ts";
import { agentTown, processAlive, spawn, waitFor } from "./fixtures/agent_town.ts";
import { freePort } from "./helpers/redis.ts";
import { type TestTown, withTestTown } from "./helpers/tt.ts";

function tcpConfig(name: string, port: number, password?: string): string {
  return `name = "${name}"\n\n[redis]\nuse_socket = false\nhost = "127.0.0.1"\n` +
    `bind = "127.0.0.1"\nport = ${port}\n` +
    (password === undefined ? "" : `password = ${JSON.stringify(password)}\n`);
}

async function modeOf(path: string): Promise<number> {
  return ((await Deno.stat(path)).mode ?? 0) & 0o777;
}

/** PING without AUTH must be refused. */
async function assertNeedsPassword(port: number): Promise<void> {
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
}

async function pingWith(port: number, password: string): Promise<string> {
  const client = await RedisClient.connect({
    endpoint: { kind: "tcp", hostname: "127.0.0.1", port },
    password,
  });
  try {
    return await client.ping();
  } finally {
    await client.close();
  }
}

/** A fresh folder (no `tt init`: the test writes the config), cleaned up afterwards. */
const withTown = (fn: (town: TestTown) => Promise<void>, env?: Record<string, string>) =>
  withTestTown({ init: false, env }, fn);

Deno.test("TCP mode without a configured password: tt generates one, 0600, and uses it", async () => {
  await withTown(async (town) => {
    const port = freePort();
    await Deno.writeTextFile(`${town.dir}/tinytown.toml`, tcpConfig("tcp-gen", port));
    const start = await town.tt("start", "--json");
    assert.equal(start.code, 0, start.stderr);
    const file = `${town.dir}/.tt/redis.password`;
    const password = (await Deno.readTextFile(file)).trim();
    assert.match(password, /^tt_[0-9a-f]{32}$/);
    assert.equal(await modeOf(file), 0o600);
    assert.ok(!(start.stdout + start.stderr).includes(password), "the password is not printed");

    await assertNeedsPassword(port);
    assert.equal(await pingWith(port, password), "PONG");
    // Every command finds it; the server keeps its password across a stop and a start.
    assert.match(await town.ok("list"), /No agents/);
    await town.ok("stop");
    await town.ok("start");
    assert.equal((await Deno.readTextFile(file)).trim(), password, "the password is stable");
    await assertNeedsPassword(port);
    assert.equal(await pingWith(port, password), "PONG");
  });
});

Deno.test("TCP mode: agent loops use the generated password too", async () => {
  const town = await agentTown();
  try {
    await town.ok("stop");
    const file = `${town.dir}/tinytown.toml`;
    const port = freePort();
    const toml = (await Deno.readTextFile(file))
      .replace(/^use_socket = true$/m, "use_socket = false")
      .replace(/^port = \d+$/m, `port = ${port}`);
    assert.match(toml, /use_socket = false/);
    await Deno.writeTextFile(file, toml);
    await town.ok("start");
    await assertNeedsPassword(port);
    const { pid } = await spawn(town, "tcpagent", "probe", "--max-rounds", "1");
    await town.ok("send", "tcpagent", "do the thing");
    await waitFor("the loop to run its round and end", () => Promise.resolve(!processAlive(pid)));
    const status = JSON.parse(await town.ok("status", "--json")) as {
      agents: { name: string; rounds_completed: number }[];
    };
    assert.equal(status.agents.find((a) => a.name === "tcpagent")?.rounds_completed, 1);
  } finally {
    await town.done();
  }
});

Deno.test("no password on redis-server's command line: it comes from a 0600 config file", async () => {
  const bin = await Deno.makeTempDir({ prefix: "tt-bin-" });
  try {
    // A redis-server that records its argv, then runs the real one.
    const argvFile = `${bin}/argv.txt`;
    const real = new Deno.Command("sh", { args: ["-c", "command -v redis-server"] }).outputSync();
    const realPath = new TextDecoder().decode(real.stdout).trim();
    await Deno.writeTextFile(
      `${bin}/redis-server`,
      `#!/bin/sh\nprintf '%s\\n' "$@" >> '${argvFile}'\nexec '${realPath}' "$@"\n`,
    );
    await Deno.chmod(`${bin}/redis-server`, 0o755);
    const env = { PATH: `${bin}:${Deno.env.get("PATH") ?? ""}` };
    await withTown(async (town) => {
      const port = freePort();
      // Quotes, a backslash, spaces, a dollar and non-ASCII must all survive the config file.
      const password = 'p"a\\ss w$rd é-7f3a';
      await Deno.writeTextFile(`${town.dir}/tinytown.toml`, tcpConfig("tcp-argv", port, password));
      await town.ok("start");
      const argv = await Deno.readTextFile(argvFile);
      assert.ok(argv.includes("--port"), `the wrapper saw the start: ${argv}`);
      assert.ok(!argv.includes("7f3a"), `the password is on the command line:\n${argv}`);
      const conf = `${town.dir}/.tt/redis.conf`;
      assert.ok(argv.split("\n").includes(conf), "the config file is passed");
      assert.equal(await modeOf(conf), 0o600);
      await assertNeedsPassword(port);
      assert.equal(await pingWith(port, password), "PONG");
      assert.match(await town.ok("list"), /No agents/);
    }, env);
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});

Deno.test("a town's TCP server found running without a password is given one", async () => {
  await withTown(async (town) => {
    const port = freePort();
    await Deno.writeTextFile(`${town.dir}/tinytown.toml`, tcpConfig("tcp-old", port));
    await Deno.mkdir(`${town.dir}/.tt/logs`, { recursive: true });
    // As an older tt started it: no password at all.
    const out = await new Deno.Command("redis-server", {
      args: [
        "--daemonize",
        "yes",
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--pidfile",
        `${town.dir}/.tt/redis.pid`,
        "--dir",
        `${town.dir}/.tt`,
        "--logfile",
        `${town.dir}/.tt/logs/redis.log`,
      ],
    }).output();
    assert.ok(out.success);
    await waitFor("the old server to answer", async () => {
      const anon = await RedisClient.connect({
        endpoint: { kind: "tcp", hostname: "127.0.0.1", port },
      });
      try {
        return (await anon.ping()) === "PONG";
      } finally {
        await anon.close();
      }
    });
    const r = await town.tt("list");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: .*without a password/m);
    await assertNeedsPassword(port);
    const password = (await Deno.readTextFile(`${town.dir}/.tt/redis.password`)).trim();
    assert.equal(await pingWith(port, password), "PONG");
  });
});
