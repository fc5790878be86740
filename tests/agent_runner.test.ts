import assert from "node:assert/strict";
import { join } from "node:path";
import { cliInvocation, runAgentCli, type RunAgentCliOptions } from "../src/agent/runner.ts";
import type { AgentCli } from "../src/town/cli_presets.ts";
import { waitFor } from "./helpers/redis.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

function cli(name: string, argv: string[]): AgentCli {
  return { name, command: argv.join(" "), argv, env: {} };
}

const shCli = (script: string, ...args: string[]) =>
  cli("custom", ["sh", fixture(script), ...args]);

/** A temp town root with a prompt file; removed by `cleanup`. */
async function scratch(prompt = "Do the task.\n") {
  const dir = await Deno.makeTempDir({ prefix: "tt-runner-" });
  const promptFile = join(dir, "prompt.md");
  await Deno.writeTextFile(promptFile, prompt);
  const logFile = join(dir, ".tt", "logs", "worker_round_1.log");
  return {
    dir,
    logFile,
    base: { promptFile, prompt, cwd: dir, env: {}, logFile },
    log: () => Deno.readTextFile(logFile),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

type Base = Omit<RunAgentCliOptions, "cli">;

async function withScratch(
  fn: (s: Awaited<ReturnType<typeof scratch>>, base: Base) => Promise<void>,
  prompt?: string,
) {
  const s = await scratch(prompt);
  try {
    await fn(s, s.base);
  } finally {
    await s.cleanup();
  }
}

/** Dead: no /proc entry, or a zombie waiting for init (which reaps orphans at its own pace). */
async function isGone(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

async function readPids(pidFile: string): Promise<number[]> {
  await waitFor("the fixture's pid file", async () => {
    try {
      return (await Deno.readTextFile(pidFile)).trim().split(" ").length === 3;
    } catch {
      return false;
    }
  });
  return (await Deno.readTextFile(pidFile)).trim().split(" ").map(Number);
}

/** Test safety net: never leave a fixture tree running, whatever the assertions did. */
function killAll(pids: number[]) {
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

Deno.test("runAgentCli: the prompt goes on stdin and both streams land in the log", async () => {
  await withScratch(async (s, base) => {
    const r = await runAgentCli({ ...base, cli: shCli("cli_echo.sh") });
    assert.equal(r.outcome, "ok");
    assert.equal(r.exitCode, 0);
    assert.equal(r.error, undefined);
    assert.ok(r.durationMs >= 0);
    assert.equal(await s.log(), "cli_echo: started\nDo the task.\n");
  });
});

Deno.test("runAgentCli: the log file is truncated, not appended to", async () => {
  await withScratch(async (s, base) => {
    await Deno.mkdir(join(s.dir, ".tt", "logs"), { recursive: true });
    await Deno.writeTextFile(s.logFile, "old content that must disappear\n".repeat(10));
    const r = await runAgentCli({ ...base, cli: shCli("cli_echo.sh") });
    assert.equal(r.outcome, "ok");
    assert.equal(await s.log(), "cli_echo: started\nDo the task.\n");
  });
});

Deno.test("runAgentCli: a non-zero exit is 'failed' with the exit code", async () => {
  await withScratch(async (_s, base) => {
    const r = await runAgentCli({ ...base, cli: shCli("cli_exit.sh", "3") });
    assert.equal(r.outcome, "failed");
    assert.equal(r.exitCode, 3);
  });
});

Deno.test("runAgentCli: a missing program is a one-line spawn_error, not a throw", async () => {
  await withScratch(async (_s, base) => {
    const r = await runAgentCli({ ...base, cli: cli("ghost", ["tt-no-such-program-xyz", "-p"]) });
    assert.equal(r.outcome, "spawn_error");
    assert.ok(r.error);
    assert.ok(!r.error.includes("\n"), r.error);
    assert.match(r.error, /tt-no-such-program-xyz/);
    assert.match(r.error, /not found/);
    assert.equal(r.exitCode, undefined);
  });
});

Deno.test("runAgentCli: a missing working directory is a spawn_error", async () => {
  await withScratch(async (s, base) => {
    const r = await runAgentCli({
      ...base,
      cwd: join(s.dir, "nope"),
      cli: shCli("cli_echo.sh"),
    });
    assert.equal(r.outcome, "spawn_error");
    assert.match(r.error ?? "", /working directory not found/);
  });
});

Deno.test("runAgentCli: the caller's env, PATH and cwd reach the CLI", async () => {
  await withScratch(async (s, base) => {
    const shimDir = join(s.dir, ".tt", "bin");
    const path = `${shimDir}:${Deno.env.get("PATH") ?? ""}`;
    const r = await runAgentCli({
      ...base,
      cli: shCli("cli_env.sh"),
      env: {
        TINYTOWN_AGENT_ID: "0b7c9a4e-1111-4222-8333-444455556666",
        TINYTOWN_AGENT_NAME: "worker",
        TINYTOWN_TOWN: s.dir,
        PATH: path,
      },
    });
    assert.equal(r.outcome, "ok");
    const log = await s.log();
    assert.match(log, /^TINYTOWN_AGENT_ID=0b7c9a4e-1111-4222-8333-444455556666$/m);
    assert.match(log, /^TINYTOWN_AGENT_NAME=worker$/m);
    assert.ok(log.includes(`\nTINYTOWN_TOWN=${s.dir}\n`), log);
    assert.ok(log.includes(`\nPATH=${path}\n`), log);
    assert.ok(log.includes(`\ncwd=${await Deno.realPath(s.dir)}\n`), log);
    assert.ok(log.includes("\nstdin: Do the task.\n"), log);
  });
});

Deno.test("runAgentCli: arguments are passed verbatim, never through a shell", async () => {
  await withScratch(async (s, base) => {
    const tricky = ["$(touch pwned)", "a b", "'q'", "*"];
    const r = await runAgentCli({ ...base, cli: shCli("cli_env.sh", ...tricky) });
    assert.equal(r.outcome, "ok");
    const args = (await s.log()).split("\n").filter((l) => l.startsWith("arg: "));
    assert.deepEqual(args, tricky.map((a) => `arg: ${a}`));
    await assert.rejects(Deno.stat(join(s.dir, "pwned")));
  });
});

Deno.test("runAgentCli: auggie gets --instruction-file <prompt file> and no stdin", async () => {
  await withScratch(async (s, base) => {
    const auggie = cli("auggie", ["sh", fixture("cli_env.sh"), "--print"]);
    const r = await runAgentCli({ ...base, cli: auggie });
    assert.equal(r.outcome, "ok");
    const log = await s.log();
    const args = log.split("\n").filter((l) => l.startsWith("arg: "));
    assert.deepEqual(args, ["arg: --print", "arg: --instruction-file", `arg: ${base.promptFile}`]);
    assert.ok(log.includes("\nstdin: \n"), log);
  });
});

Deno.test("runAgentCli: aider gets the prompt file after --message-file, never the prompt", async () => {
  await withScratch(async (s, base) => {
    // An old-style command ending in --message: the prompt must still stay off argv.
    const aider = cli("aider", ["sh", fixture("cli_env.sh"), "--yes", "--message"]);
    const r = await runAgentCli({ ...base, cli: aider, prompt: "fix it\nplease" });
    assert.equal(r.outcome, "ok");
    const log = await s.log();
    assert.ok(
      log.startsWith(`arg: --yes\narg: --message-file\narg: ${base.promptFile}\n`),
      log,
    );
    assert.ok(log.includes("\nstdin: \n"), log);
    assert.ok(!log.includes("fix it"), log);
  });
});

Deno.test("cliInvocation: presets split into program, args and stdin", () => {
  const claude = cli("claude", ["claude", "--print"]);
  assert.deepEqual(cliInvocation(claude, "/t/p.md", "hi"), {
    program: "claude",
    args: ["--print"],
    stdin: "hi",
  });
  assert.deepEqual(cliInvocation(cli("auggie", ["auggie", "--print"]), "/t/p.md", "hi"), {
    program: "auggie",
    args: ["--print", "--instruction-file", "/t/p.md"],
  });
});

Deno.test("runAgentCli: a CLI that never reads a 5 MiB prompt does not crash the runner", async () => {
  await withScratch(async (_s, base) => {
    const big = "x".repeat(5 * 1024 * 1024);
    const r = await runAgentCli({ ...base, prompt: big, cli: shCli("cli_exit.sh", "0") });
    assert.equal(r.outcome, "ok");
    assert.equal(r.exitCode, 0);
  });
});

Deno.test("runAgentCli: a 5 MiB prompt reaches a CLI that reads it", async () => {
  await withScratch(async (s, base) => {
    const big = "0123456789abcdef".repeat(320 * 1024) + "\n";
    const r = await runAgentCli({ ...base, prompt: big, cli: shCli("cli_echo.sh") });
    assert.equal(r.outcome, "ok");
    assert.equal((await Deno.stat(s.logFile)).size, "cli_echo: started\n".length + big.length);
  });
});

Deno.test("runAgentCli: heartbeats run while the CLI runs; their errors are swallowed", async () => {
  await withScratch(async (_s, base) => {
    let calls = 0;
    const r = await runAgentCli({
      ...base,
      cli: shCli("cli_sleep.sh", "1.5"),
      heartbeatMs: 200,
      onHeartbeat: async () => {
        calls++;
        await Promise.resolve();
        if (calls % 2 === 0) throw new Error("redis down");
      },
    });
    assert.equal(r.outcome, "ok");
    assert.ok(calls >= 3, `only ${calls} heartbeats`);
    // A heartbeat timer left running would fail the test's sanitizers.
  });
});

Deno.test("runAgentCli: a timeout ends the CLI and its whole process tree", async () => {
  await withScratch(async (s, base) => {
    const pidFile = join(s.dir, "pids");
    let pids: number[] = [];
    try {
      const run = runAgentCli({ ...base, cli: shCli("cli_tree.sh", pidFile), timeoutMs: 1000 });
      pids = await readPids(pidFile);
      const r = await run;
      assert.equal(r.outcome, "timeout");
      assert.equal(r.signal, "SIGTERM");
      assert.ok(r.durationMs >= 900, `${r.durationMs} ms`);
      for (const pid of pids) assert.ok(await isGone(pid), `process ${pid} still runs`);
    } finally {
      killAll(pids);
    }
  });
});

Deno.test("runAgentCli: aborting the signal cancels the CLI and its whole tree", async () => {
  await withScratch(async (s, base) => {
    const pidFile = join(s.dir, "pids");
    const ctl = new AbortController();
    let pids: number[] = [];
    try {
      const run = runAgentCli({ ...base, cli: shCli("cli_tree.sh", pidFile), signal: ctl.signal });
      pids = await readPids(pidFile);
      for (const pid of pids) assert.ok(!(await isGone(pid)), `process ${pid} not running`);
      ctl.abort();
      const r = await run;
      assert.equal(r.outcome, "cancelled");
      for (const pid of pids) assert.ok(await isGone(pid), `process ${pid} still runs`);
    } finally {
      killAll(pids);
    }
  });
});

Deno.test("runAgentCli: a tree that ignores SIGTERM is killed after the grace period", async () => {
  await withScratch(async (s, base) => {
    const pidFile = join(s.dir, "pids");
    let pids: number[] = [];
    try {
      const run = runAgentCli({
        ...base,
        cli: shCli("cli_tree.sh", pidFile, "ignore-term"),
        timeoutMs: 300,
        killGraceMs: 300,
      });
      pids = await readPids(pidFile);
      const r = await run;
      assert.equal(r.outcome, "timeout");
      assert.equal(r.signal, "SIGKILL");
      assert.ok(r.durationMs >= 550, `${r.durationMs} ms`);
      for (const pid of pids) assert.ok(await isGone(pid), `process ${pid} still runs`);
    } finally {
      killAll(pids);
    }
  });
});

Deno.test("runAgentCli: an already aborted signal starts nothing", async () => {
  await withScratch(async (s, base) => {
    const ctl = new AbortController();
    ctl.abort();
    const r = await runAgentCli({ ...base, cli: shCli("cli_echo.sh"), signal: ctl.signal });
    assert.equal(r.outcome, "cancelled");
    await assert.rejects(Deno.stat(s.logFile));
  });
});
