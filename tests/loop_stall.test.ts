/**
 * Hangs end: `[agent] stall_timeout_secs` ends a CLI that wrote no output for that long (its
 * whole process group, like the round timeout), recording "stalled"; a slow CLI that keeps
 * writing is left alone, and 0 turns the check off.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runAgentCli } from "../src/agent/runner.ts";
import type { AgentCli } from "../src/town/cli_presets.ts";
import { chaosTown, fixture, processAlive, shCli, waitFor } from "./fixtures/chaos_town.ts";

function sh(script: string, ...args: string[]): AgentCli {
  const argv = ["sh", fixture(script), ...args];
  return { name: "custom", command: argv.join(" "), argv, env: {} };
}

async function inScratch(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "tt-stall-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function base(dir: string) {
  return {
    promptFile: join(dir, "prompt.md"),
    prompt: "hi\n",
    cwd: dir,
    env: {},
    logFile: join(dir, "round.log"),
    killGraceMs: 1000,
  };
}

Deno.test("runAgentCli: a CLI silent for stallTimeoutMs is ended, outcome stalled", async () => {
  await inScratch(async (dir) => {
    const pidFile = join(dir, "pid");
    const started = performance.now();
    const r = await runAgentCli({
      ...base(dir),
      cli: sh("cli_quiet.sh", pidFile, "120"),
      stallTimeoutMs: 500,
    });
    assert.equal(r.outcome, "stalled");
    assert.ok(performance.now() - started < 60_000, "ended long before its 120 s sleep");
    const pid = Number(await Deno.readTextFile(pidFile));
    await waitFor("the CLI to be gone", () => !processAlive(pid));
    assert.equal(await Deno.readTextFile(join(dir, "round.log")), "working on it\n");
  });
});

Deno.test("runAgentCli: a slow CLI that keeps writing is not stalled", async () => {
  await inScratch(async (dir) => {
    const r = await runAgentCli({
      ...base(dir),
      cli: sh("cli_chatty.sh", "3"),
      stallTimeoutMs: 1500,
    });
    assert.equal(r.outcome, "ok");
    assert.equal(r.exitCode, 0);
  });
});

Deno.test("agent loop: a stalled round is recorded as stalled and its message kept", async () => {
  const town = await chaosTown({
    config: { idle_timeout_secs: 0, stall_timeout_secs: 1, max_failed_rounds: 1 },
  });
  try {
    const pidFile = `${town.dir}/cli.pid`;
    await town.ok("spawn", "sleepy", "--cli", shCli("cli_quiet.sh", pidFile, "300"));
    await town.ok("send", "sleepy", "are you there?");
    const agent = await waitFor("sleepy to go to Error", async () => {
      return (await town.store.agents.list())[0]?.state === "error";
    }, 30_000).then(async () => (await town.store.agents.list())[0]);
    const d = agent.lastErrorDetail!;
    assert.equal(d.outcome, "stalled");
    assert.match(d.message, /^round 1: round stalled: no output for 1s$/);
    assert.deepEqual(d.outputTail, ["working on it"]);
    assert.match(agent.lastError!, /stalled/);
    const pid = Number(await Deno.readTextFile(pidFile));
    await waitFor("the stalled CLI to be gone", () => !processAlive(pid));
    assert.equal(await town.redis.llen(town.store.keys.inbox(agent.id)), 1, "message kept");
    assert.match(await town.ok("status"), /Last error: .*stalled/);
  } finally {
    await town.done();
  }
});

Deno.test("agent loop: stall_timeout_secs = 0 lets a silent CLI finish", async () => {
  const town = await chaosTown({
    config: { idle_timeout_secs: 0, stall_timeout_secs: 0, max_failed_rounds: 1 },
  });
  try {
    await town.ok("spawn", "patient", "--cli", shCli("cli_quiet.sh", `${town.dir}/pid`, "3"));
    await town.ok("send", "patient", "take your time");
    const agent = await waitFor("patient's round to finish", async () => {
      const a = (await town.store.agents.list())[0];
      return a?.roundsCompleted === 1 && a.state === "idle";
    }, 30_000).then(async () => (await town.store.agents.list())[0]);
    assert.equal(agent.lastError, undefined);
    assert.equal(await town.redis.llen(town.store.keys.inbox(agent.id)), 0);
  } finally {
    await town.done();
  }
});
