/**
 * End-to-end tests of the town commands as a user runs them: init, start, stop, reset, towns,
 * config, plus the CLI's contract (help, version, --json, error lines and exit codes).
 */
import assert from "node:assert/strict";
import { basename } from "node:path";
import { RedisClient } from "../src/redis/mod.ts";
import { startRedis } from "./helpers/redis.ts";
import {
  type makeTestTown,
  oneErrorLine,
  runTt,
  runTtInProcess,
  type TestTown,
  withTestTown,
} from "./helpers/tt.ts";
import { exists, withTempDir } from "./helpers/fs.ts";

/**
 * Most tests run tt in process (runCli with a captured sink); the ones about the process
 * itself (exit codes and stderr of real runs, stdin that is not a terminal, --version on the
 * real stdout) run it as a subprocess.
 */
function withTown(
  opts: Parameters<typeof makeTestTown>[0],
  fn: (town: TestTown) => Promise<void>,
): Promise<void> {
  return withTestTown({ inProcess: true, ...opts }, fn);
}

async function git(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args],
    cwd: dir,
    env: { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

interface TownListing {
  name: string;
  path: string;
  state: string;
  status: string;
  agents?: number;
}

async function towns(town: TestTown): Promise<TownListing[]> {
  return JSON.parse(await town.ok("towns", "--json"));
}

// ---------------------------------------------------------------------------------------------
// init

Deno.test("tt init in a git repo names the town repo-branch", async () => {
  await withTown({ init: false }, async (town) => {
    await git(town.dir, "init", "-q", "-b", "main");
    await git(town.dir, "commit", "-q", "--allow-empty", "-m", "first");
    await git(town.dir, "checkout", "-q", "-b", "feature/auth");
    const r = JSON.parse(await town.ok("init", "--json"));
    assert.equal(r.name, `${basename(town.dir)}-feature-auth`);
    assert.match(
      await Deno.readTextFile(`${town.dir}/tinytown.toml`),
      /^name = ".*-feature-auth"$/m,
    );
  });
});

Deno.test("tt init --name writes the config, .tt/ and .gitignore, and starts Redis", async () => {
  await withTown({ init: false }, async (town) => {
    const out = await town.ok("init", "--name", "named");
    assert.match(out, /Initialized town 'named'/);
    assert.match(out, /Added \.tt to \.gitignore/);
    const config = await Deno.readTextFile(`${town.dir}/tinytown.toml`);
    assert.match(config, /^name = "named"$/m);
    assert.match(config, /^\[redis\]$/m);
    for (const sub of ["agents", "logs", "tasks"]) {
      assert.ok((await Deno.stat(`${town.dir}/.tt/${sub}`)).isDirectory, `.tt/${sub}`);
    }
    assert.ok((await Deno.lstat(`${town.dir}/.tt/redis.sock`)).isSocket);
    const gitignore = await Deno.readTextFile(`${town.dir}/.gitignore`);
    assert.equal(gitignore, "\n# Tinytown runtime artifacts\n.tt\n");

    // A second town in the same folder is refused, and nothing is rewritten.
    const again = await town.tt("init", "--name", "other");
    assert.equal(again.code, 1);
    assert.match(oneErrorLine(again), /already exists/);
    assert.equal(await Deno.readTextFile(`${town.dir}/tinytown.toml`), config);
    assert.equal(await Deno.readTextFile(`${town.dir}/.gitignore`), gitignore);
  });
});

Deno.test("tt init leaves a .gitignore that already ignores .tt unchanged", async () => {
  await withTown({ init: false }, async (town) => {
    const before = "node_modules/\n  .tt  \n*.log";
    await Deno.writeTextFile(`${town.dir}/.gitignore`, before);
    const out = await town.ok("init", "--name", "ignored");
    assert.doesNotMatch(out, /gitignore/);
    assert.equal(await Deno.readTextFile(`${town.dir}/.gitignore`), before);
  });
});

Deno.test("tt init appends .tt to an existing .gitignore once", async () => {
  await withTown({ init: false }, async (town) => {
    await Deno.writeTextFile(`${town.dir}/.gitignore`, "dist");
    await town.ok("init", "--name", "appended");
    assert.equal(
      await Deno.readTextFile(`${town.dir}/.gitignore`),
      "dist\n\n# Tinytown runtime artifacts\n.tt\n",
    );
  });
});

Deno.test("tt init uses default_cli from the global config", async () => {
  await withTown({ init: false }, async (town) => {
    await town.ok("config", "default_cli", "codex");
    await town.ok("init", "--name", "withcli");
    const config = await Deno.readTextFile(`${town.dir}/tinytown.toml`);
    assert.match(config, /^default_cli = "codex"$/m);
  });
});

// ---------------------------------------------------------------------------------------------
// registry, start and stop

Deno.test("tt towns: running, then stopped, then path not found", async () => {
  // Subprocesses: two towns share one TT_HOME here, and the in-process runner swaps the
  // process environment per run (once, in a parallel CI run, the list came from another home).
  await withTown({ name: "alpha", inProcess: false }, async (alpha) => {
    await withTown(
      { init: false, inProcess: false, env: { TT_HOME: alpha.home } },
      async (beta) => {
        await beta.ok("init", "--name", "beta");
        let list = await towns(alpha);
        assert.deepEqual(list.map((t) => [t.name, t.state]), [["alpha", "running"], [
          "beta",
          "running",
        ]]);
        assert.equal(list[0].path, await Deno.realPath(alpha.dir));
        assert.equal(list[0].agents, 0);

        assert.match(await beta.ok("stop"), /Stopped/);
        list = await towns(alpha);
        assert.deepEqual(list.map((t) => t.state), ["running", "stopped"]);

        await Deno.remove(beta.dir, { recursive: true });
        list = await towns(alpha);
        assert.equal(list[1].state, "missing");
        assert.equal(list[1].status, "(path not found)");
        const human = await alpha.ok("towns");
        assert.match(human, /Towns \(2\)/);
        assert.match(human, /beta\s+\(path not found\)/);
      },
    );
  });
});

Deno.test("tt towns with an empty registry says so", async () => {
  await withTempDir(async (home) => {
    const r = await runTtInProcess(["towns"], { env: { TT_HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No towns registered/);
    const json = await runTtInProcess(["towns", "--json"], { env: { TT_HOME: home } });
    assert.deepEqual(JSON.parse(json.stdout), []);
  });
});

Deno.test("tt stop twice: the second says not running and exits 0; tt start restarts", async () => {
  await withTown({}, async (town) => {
    assert.match(await town.ok("stop"), /Stopped/);
    const second = await town.tt("stop");
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /not running/);
    assert.equal(second.stderr, "");
    const start = JSON.parse(await town.ok("start", "--json"));
    assert.equal(start.started, true);
    assert.match(await town.ok("start"), /already running/);
  });
});

// ---------------------------------------------------------------------------------------------
// reset, with two towns sharing one external Redis

Deno.test("tt reset: asks (deletes nothing), --agents-only, --force spares other towns", async () => {
  const redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    // A subprocess: without --force, reset asks only when stdin is a terminal, and a
    // subprocess's stdin is not one (the test runner's may be).
    const opts = { init: false, inProcess: false, env: { REDIS_URL: redis.url } };
    await withTown(opts, async (alpha) => {
      await alpha.ok("init", "--name", "alpha");
      const a1 = crypto.randomUUID();
      const seed: [string, ...string[]][] = [
        // A stopped agent: nothing for reset to stop first.
        ["HSET", `tt:alpha:agent:${a1}`, "id", a1, "name", "worker", "state", "stopped"],
        ["RPUSH", `tt:alpha:inbox:${a1}`, "{}"],
        ["SADD", "tt:alpha:agents", a1],
        ["HSET", "tt:alpha:task:t1", "description", "x"],
        ["SADD", "tt:alpha:tasks", "t1"],
        ["RPUSH", "tt:alpha:backlog", "t1"],
        ["HSET", "tt:beta:agent:b1", "name", "other"],
        ["HSET", "tt:beta:task:t9", "description", "y"],
        ["HSET", "tt:alpha2:task:t3", "description", "prefix-alike"],
      ];
      for (const cmd of seed) await client.command(cmd);
      const alphaKeys = async () => (await client.scanAll("tt:alpha:*")).sort();
      const othersKept = async () => {
        assert.equal(
          await client.exists("tt:beta:agent:b1", "tt:beta:task:t9", "tt:alpha2:task:t3"),
          3,
        );
      };

      // stdin is not a terminal and there is no --force: report, delete nothing.
      const ask = await alpha.tt("reset");
      assert.equal(ask.code, 0, ask.stderr);
      assert.match(ask.stdout, /Nothing deleted/);
      const preview = JSON.parse(await alpha.ok("reset", "--json"));
      assert.deepEqual(preview, {
        deleted: 0,
        would_delete: { agents: 1, tasks: 1, backlog: 1, keys: 6 },
        would_stop: [],
      });
      assert.equal((await alphaKeys()).length, 6);

      const agentsOnly = JSON.parse(await alpha.ok("reset", "--force", "--agents-only", "--json"));
      assert.deepEqual(agentsOnly, {
        deleted: 3,
        agents_only: true,
        agents_stopped: [],
        agents_killed: [],
      });
      assert.deepEqual(await alphaKeys(), [
        "tt:alpha:backlog",
        "tt:alpha:task:t1",
        "tt:alpha:tasks",
      ]);
      await othersKept();

      assert.match(await alpha.ok("reset", "--force"), /deleted 3 Redis key/);
      assert.deepEqual(await alphaKeys(), []);
      await othersKept();
    });
  } finally {
    await client.close();
    await redis.stop();
  }
});

// ---------------------------------------------------------------------------------------------
// config

Deno.test("tt config sets and gets default_cli in TT_HOME; unknown keys fail", async () => {
  await withTempDir(async (home) => {
    const env = { TT_HOME: home };
    const set = await runTtInProcess(["config", "default_cli", "aider"], { env });
    assert.equal(set.code, 0, set.stderr);
    assert.match(await Deno.readTextFile(`${home}/config.toml`), /^default_cli = "aider"$/m);
    const get = await runTtInProcess(["config", "default_cli"], { env });
    assert.equal(get.stdout, "aider\n");
    const all = JSON.parse((await runTtInProcess(["config", "--json"], { env })).stdout);
    assert.equal(all.default_cli, "aider");
    assert.equal(all.path, `${home}/config.toml`);
    const one = JSON.parse(
      (await runTtInProcess(["config", "default_cli", "--json"], { env })).stdout,
    );
    assert.deepEqual(one, { key: "default_cli", value: "aider" });

    for (const args of [["config", "no_such_key"], ["config", "no_such_key", "x"]]) {
      const bad = await runTtInProcess(args, { env });
      assert.notEqual(bad.code, 0);
      assert.match(oneErrorLine(bad), /unknown config key: no_such_key/);
    }
    const badPort = await runTtInProcess(["config", "redis.port", "http"], { env });
    assert.equal(badPort.code, 1);
    assert.match(oneErrorLine(badPort), /redis\.port/);
  });
});

Deno.test("tt config uses $XDG_CONFIG_HOME/tt when TT_HOME is unset", async () => {
  await withTempDir(async (xdg) => {
    const env = { TT_HOME: "", XDG_CONFIG_HOME: xdg };
    const set = await runTtInProcess(["config", "default_cli", "gemini"], { env });
    assert.equal(set.code, 0, set.stderr);
    assert.match(await Deno.readTextFile(`${xdg}/tt/config.toml`), /default_cli = "gemini"/);
    assert.equal((await runTtInProcess(["config", "default_cli"], { env })).stdout, "gemini\n");
  });
});

// ---------------------------------------------------------------------------------------------
// The CLI contract

Deno.test("tt --version and -V print the version", async () => {
  for (const flag of ["--version", "-V"]) {
    const r = await runTt([flag]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^tt \d+\.\d+\.\d+\n$/);
  }
});

Deno.test("--help works on tt and on every command", async () => {
  const top = await runTtInProcess(["--help"]);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /Usage:/);
  const section = top.stdout.split(/^Commands:$/m)[1] ?? "";
  const commands = [...section.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]);
  for (const expected of ["init", "start", "stop", "reset", "towns", "config"]) {
    assert.ok(commands.includes(expected), `'${expected}' is listed in: ${commands.join(" ")}`);
  }
  const results = await Promise.all(commands.map((c) => runTtInProcess([c, "--help"])));
  results.forEach((r, i) => {
    assert.equal(r.code, 0, `tt ${commands[i]} --help: ${r.stderr}`);
    assert.match(r.stdout, /Usage:/, `tt ${commands[i]} --help`);
  });
});

Deno.test("--json output parses for init, start, stop, towns, config and reset", async () => {
  await withTown({ init: false }, async (town) => {
    for (
      const args of [
        ["init", "--name", "jsonic", "--json"],
        ["start", "--json"],
        ["towns", "--json"],
        ["config", "--json"],
        ["reset", "--json"],
        ["reset", "--force", "--json"],
        ["stop", "--json"],
        ["stop", "--json"],
      ]
    ) {
      const out = await town.ok(...args);
      assert.doesNotThrow(() => JSON.parse(out), `tt ${args.join(" ")} printed:\n${out}`);
    }
  });
});

Deno.test("errors: one 'error:' line and exit 1; no stack trace unless -v", async () => {
  await withTempDir(async (dir) => {
    const env = { TT_HOME: dir };
    const r = await runTt(["--town", dir, "start"], { env });
    assert.equal(r.code, 1);
    assert.match(oneErrorLine(r), /no town at .*tinytown\.toml not found/);
    assert.equal(r.stdout, "");

    const badName = await runTt(["--town", dir, "init", "--name", "no spaces"], { env });
    assert.equal(badName.code, 1);
    assert.match(oneErrorLine(badName), /invalid town name "no spaces"/);
    assert.equal(await exists(`${dir}/tinytown.toml`), false);

    const verbose = await runTt(["--town", dir, "start", "-v"], { env });
    assert.equal(verbose.code, 1);
    assert.match(verbose.stderr, /^error: no town at /);
    assert.match(verbose.stderr, /\n\s+at /, "-v shows the stack");
  });
});

Deno.test("a bad tinytown.toml is reported as file:line", async () => {
  await withTempDir(async (dir) => {
    const env = { TT_HOME: dir };
    const file = `${dir}/tinytown.toml`;
    await Deno.writeTextFile(file, 'name = "bad"\n\n[redis]\nport = \n');
    const syntax = await runTtInProcess(["--town", dir, "start"], { env });
    assert.equal(syntax.code, 1);
    assert.ok(oneErrorLine(syntax).includes(`${file}:4`), syntax.stderr);
    assert.doesNotMatch(syntax.stderr, /\n\s+at /);

    await Deno.writeTextFile(file, 'name = "bad"\n\n[redis]\nuse_socket = true\nport = "six"\n');
    const typed = await runTtInProcess(["--town", dir, "start"], { env });
    assert.equal(typed.code, 1);
    const line = oneErrorLine(typed);
    assert.ok(line.includes(`${file}:5`), line);
    assert.match(line, /port/);
    assert.equal(await exists(`${dir}/.tt/redis.pid`), false);
  });
});

Deno.test("usage errors exit 2: unknown command, unknown option, missing argument", async () => {
  await withTempDir(async (home) => {
    const env = { TT_HOME: home };
    for (
      const args of [
        [],
        ["frobnicate"],
        ["start", "--bogus"],
        ["init", "--name"],
        ["--town"],
      ]
    ) {
      const r = await runTt(args, { env });
      assert.equal(r.code, 2, `tt ${args.join(" ")}: ${r.stderr}`);
      assert.notEqual(r.stderr.trim(), "", `tt ${args.join(" ")} explains itself on stderr`);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    assert.deepEqual([...Deno.readDirSync(home)], [], "usage errors touch nothing");
  });
});
