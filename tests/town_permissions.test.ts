/**
 * Secrets stay private: everything under `.tt/` (prompts, round and loop logs, the Redis data,
 * lock, pid and config files, the conductor briefing, the tt shim) is reachable by its owner
 * only, whatever the umask; a town made by an older tt is tightened on its next command; and
 * the global config and registry, which may hold a Redis password, are 0600.
 */
import assert from "node:assert/strict";
import { agentTown, processAlive, spawn, waitFor } from "./fixtures/agent_town.ts";
import { makeTestTown, ttCommand, type TtResult } from "./helpers/tt.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const CONDUCTOR = fixture("conductor_cli.sh");

/** Every path under `dir` (itself included) that others could read, with its mode. */
async function openToOthers(dir: string): Promise<string[]> {
  const loose: string[] = [];
  const visit = async (path: string) => {
    const info = await Deno.lstat(path);
    if (info.isSymlink) return; // a link's own mode is always 0777 and means nothing
    const mode = (info.mode ?? 0) & 0o777;
    if (mode & 0o077) loose.push(`${path.slice(dir.length) || "/"} ${mode.toString(8)}`);
    if (info.isDirectory) {
      for await (const e of Deno.readDir(path)) await visit(`${path}/${e.name}`);
    }
  };
  await visit(dir);
  return loose;
}

/** All paths under `dir`, relative, for the record of what was checked. */
async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${dir}${prefix}`)) {
    out.push(`${prefix}/${e.name}`);
    if (e.isDirectory) out.push(...await listTree(dir, `${prefix}/${e.name}`));
  }
  return out;
}

async function modeOf(path: string): Promise<number> {
  return ((await Deno.stat(path)).mode ?? 0) & 0o777;
}

Deno.test("permissions: after an agent round, the conductor and a save, .tt/ is private", async () => {
  const town = await agentTown();
  try {
    const file = `${town.dir}/tinytown.toml`;
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)) +
        `\n[agent_clis.scripted]\nname = "scripted"\ncommand = "sh ${CONDUCTOR}"\n`,
    );
    const { pid } = await spawn(town, "alice", "probe", "--max-rounds", "1");
    await town.ok("send", "alice", "secret task text: rotate the keys");
    await waitFor("alice's loop to end after its round", () => Promise.resolve(!processAlive(pid)));
    const conductor = await town.tt("conductor", "--cli", "scripted");
    assert.equal(conductor.code, 0, conductor.stderr);
    await town.ok("stop"); // SHUTDOWN SAVE: dump.rdb, and the AOF is flushed

    assert.deepEqual(await openToOthers(`${town.dir}/.tt`), []);
    const tree = await listTree(`${town.dir}/.tt`);
    for (
      const expected of [
        "/agents/alice/round-1.prompt",
        "/agents/alice/round-1.log",
        "/agents/alice/loop.log",
        "/dump.rdb",
        "/appendonlydir",
        "/conductor_context.md",
        "/bin/tt",
        "/logs/redis.log",
        "/redis.lock",
      ]
    ) {
      assert.ok(tree.includes(expected), `${expected} exists; .tt holds:\n${tree.join("\n")}`);
    }

    // Started again, the server's files (socket, pid, log lines) are private too.
    await town.ok("start");
    assert.deepEqual(await openToOthers(`${town.dir}/.tt`), []);
  } finally {
    await town.done();
  }
});

/**
 * Runs tt (and so the agent loops and the redis-server it starts) with umask 000, the loosest
 * there is: whatever tt leaves readable by others then shows. A fixed `sh` script with the
 * argv as its parameters, so nothing is parsed by the shell.
 */
async function ttLooseUmask(
  dir: string,
  env: Record<string, string>,
  args: string[],
  stdin?: string,
): Promise<TtResult> {
  const child = new Deno.Command("sh", {
    args: ["-c", 'umask 000 && exec "$@"', "sh", ...ttCommand(), "--town", dir, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("permissions: whole rounds of scripted CLIs under umask 000 leave .tt/ private", async () => {
  const town = await makeTestTown({ init: false });
  const tt = async (args: string[], stdin?: string) => {
    const r = await ttLooseUmask(town.dir, town.env, args, stdin);
    assert.equal(r.code, 0, `tt ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  try {
    await tt(["init", "--name", "loose-town"]);
    const ttDir = `${town.dir}/.tt`;

    // cli_echo.sh: a round that prints its prompt back (into the round log).
    const echo = JSON.parse(
      await tt([
        "spawn",
        "echo",
        "--cli",
        `sh ${fixture("cli_echo.sh")}`,
        "--max-rounds",
        "1",
        "--json",
      ]),
    ) as { pid: number };
    await tt(["send", "echo", "secret task text: rotate the keys"]);
    await waitFor(
      "echo's loop to end after its round",
      () => Promise.resolve(!processAlive(echo.pid)),
    );
    const roundLog = await Deno.readTextFile(`${ttDir}/agents/echo/round-1.log`);
    assert.ok(roundLog.includes("rotate the keys"), roundLog);

    // cli_capture.sh: a message too long for the prompt goes to a file in messages/; the CLI
    // records that file's and its folder's modes while the round runs.
    const out = `${town.dir}/seen`;
    const reader = JSON.parse(
      await tt([
        "spawn",
        "reader",
        "--cli",
        `sh ${fixture("cli_capture.sh")} ${out}`,
        "--max-rounds",
        "1",
        "--json",
      ]),
    ) as { pid: number };
    await tt(["send", "reader", "-"], "secret long text\n".repeat(8 * 1024));
    await waitFor("reader's loop to end", () => Promise.resolve(!processAlive(reader.pid)));
    assert.equal(await Deno.readTextFile(`${out}/modes`), "700 600\n");

    await tt(["stop"]); // SHUTDOWN SAVE: dump.rdb, and the AOF is flushed
    assert.deepEqual(await openToOthers(ttDir), []);
    const tree = await listTree(ttDir);
    for (
      const expected of [
        "/agents/echo/loop.log",
        "/agents/echo/round-1.log",
        "/agents/echo/round-1.prompt",
        "/agents/reader/round-1.prompt",
        "/dump.rdb",
        "/appendonlydir",
        "/logs/redis.log",
      ]
    ) {
      assert.ok(tree.includes(expected), `${expected} exists; .tt holds:\n${tree.join("\n")}`);
    }

    await tt(["start"]); // socket, pid file, new log lines
    assert.deepEqual(await openToOthers(ttDir), []);
  } finally {
    await ttLooseUmask(town.dir, town.env, ["stop"]);
    await town.cleanup();
  }
});

Deno.test("permissions: a town whose .tt/ is open to others is tightened by its next command", async () => {
  const town = await makeTestTown();
  try {
    await town.ok("stop");
    const tt = `${town.dir}/.tt`;
    await Deno.mkdir(`${tt}/agents/old`, { recursive: true });
    await Deno.writeTextFile(`${tt}/agents/old/round-1.prompt`, "old task text");
    await Deno.writeTextFile(`${tt}/agents/old/loop.log`, "old loop output");
    await Deno.mkdir(`${tt}/agents/old/messages`);
    await Deno.writeTextFile(`${tt}/agents/old/messages/m.txt`, "old long message");
    await Deno.writeTextFile(`${tt}/run.sh`, "#!/bin/sh\n");
    for (const p of [tt, `${tt}/agents`, `${tt}/agents/old`, `${tt}/logs`]) {
      await Deno.chmod(p, 0o755);
    }
    await Deno.chmod(`${tt}/agents/old/round-1.prompt`, 0o644);
    await Deno.chmod(`${tt}/agents/old/loop.log`, 0o666);
    await Deno.chmod(`${tt}/agents/old/messages`, 0o777);
    await Deno.chmod(`${tt}/agents/old/messages/m.txt`, 0o644);
    await Deno.chmod(`${tt}/run.sh`, 0o755);
    await Deno.chmod(`${tt}/logs/redis.log`, 0o644);
    assert.notDeepEqual(await openToOthers(tt), []);

    await town.ok("start");
    assert.deepEqual(await openToOthers(tt), []);
    assert.equal(await modeOf(`${tt}/run.sh`), 0o700, "owner bits are kept");
    assert.equal(await modeOf(`${tt}/agents/old/round-1.prompt`), 0o600);
  } finally {
    await town.cleanup();
  }
});

Deno.test("permissions: the global config and registry are 0600; tt config never prints a password", async () => {
  const town = await makeTestTown({ init: false });
  try {
    const secret = "pw-do-not-print-7f3a";
    const set = await town.tt("config", "redis.password", secret);
    assert.equal(set.code, 0, set.stderr);
    assert.ok(!(set.stdout + set.stderr).includes(secret), `printed: ${set.stdout}`);
    assert.match(set.stdout, /redis\.password = \*{4}/);
    const setJson = await town.ok("config", "redis.password", secret, "--json");
    assert.ok(!setJson.includes(secret), setJson);
    const get = await town.ok("config", "redis.password");
    assert.ok(!get.includes(secret), get);
    const getJson = await town.ok("config", "redis.password", "--json");
    assert.ok(!getJson.includes(secret), getJson);
    assert.equal(await modeOf(`${town.home}/config.toml`), 0o600);
    assert.ok((await Deno.readTextFile(`${town.home}/config.toml`)).includes(secret));

    await town.ok("init", "--name", "perm-town");
    assert.equal(await modeOf(`${town.home}/towns.toml`), 0o600);
    assert.equal(await modeOf(`${town.dir}/.tt`), 0o700);
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});

Deno.test("permissions: a config.toml left 0644 by an older tt is made 0600 when read", async () => {
  const town = await makeTestTown({ init: false });
  try {
    await Deno.writeTextFile(`${town.home}/config.toml`, '[redis]\npassword = "old-secret"\n');
    await Deno.chmod(`${town.home}/config.toml`, 0o644);
    await town.ok("config");
    assert.equal(await modeOf(`${town.home}/config.toml`), 0o600);
  } finally {
    await town.cleanup();
  }
});
