/**
 * Agents end to end, lifecycle side: close, kill (also of a CLI that never returns), wait,
 * restart, prune and max_agents, with real redis-server, `tt` and agent-loop processes and the
 * probe agent CLI (tests/fixtures/agent_probe.ts).
 */
import assert from "node:assert/strict";
import {
  agentStatus,
  agentTown,
  exists,
  processAlive,
  spawn,
  waitFor,
  waitForRounds,
  waitForState,
} from "./fixtures/agent_town.ts";
import type { TtResult } from "./helpers/tt.ts";

Deno.test("tt close during a slow round: the round finishes, then the agent is cold", async () => {
  const town = await agentTown();
  try {
    const erin = await spawn(town, "erin", "gated");
    await waitForState(town, "erin", "idle");
    await town.ok("assign", "erin", "slow job");
    await waitFor("erin's CLI to start", () => exists(`${town.dir}/probe/erin.started`));

    await town.ok("close", "erin");
    assert.equal((await agentStatus(town, "erin")).state, "draining");
    await Deno.writeTextFile(`${town.dir}/probe/erin.release`, "");

    const cold = await waitForState(town, "erin", "cold");
    assert.equal(cold.rounds_completed, 1);
    assert.match((cold.activity ?? []).join("\n"), /Round 1: ✅ completed/);
    await waitFor("erin's loop to exit", () => Promise.resolve(!processAlive(erin.pid)));
    assert.equal((await waitForRounds(town, "erin", 1)).length, 1);
  } finally {
    await town.done();
  }
});

Deno.test("tt kill ends a CLI that hangs; the loop is gone and its message is back", async () => {
  const town = await agentTown();
  try {
    const frank = await spawn(town, "frank", "hanging");
    await town.ok("send", "frank", "do the thing");
    const cliPid = await waitFor("frank's CLI to start", async () => {
      const text = await Deno.readTextFile(`${town.dir}/probe/frank.pid`).catch(() => "");
      return text ? Number(text) : undefined;
    });
    assert.ok(processAlive(cliPid));
    assert.equal((await agentStatus(town, "frank")).state, "working");

    await town.ok("kill", "frank");
    assert.equal((await agentStatus(town, "frank")).state, "stopped");
    await waitFor(
      "frank's loop and CLI to exit",
      () => Promise.resolve(!processAlive(frank.pid) && !processAlive(cliPid)),
    );
    const after = await agentStatus(town, "frank");
    assert.equal(after.state, "stopped");
    assert.equal(after.in_flight, 0);
    const inbox = JSON.parse(await town.ok("inbox", "frank", "--json")) as {
      total: number;
      previews: { text: string }[];
    };
    assert.equal(inbox.total, 1);
    assert.match(inbox.previews[0].text, /do the thing/);
  } finally {
    await town.done();
  }
});

Deno.test("tt wait with and without a timeout, then restart and prune", async () => {
  const town = await agentTown();
  try {
    const gina = await spawn(town, "gina", "probe", "--max-rounds", "1");
    await waitForState(town, "gina", "idle");

    const started = Date.now();
    const timedOut = await town.tt("wait", "gina", "--timeout", "1");
    assert.equal(timedOut.code, 1, timedOut.stdout + timedOut.stderr);
    assert.ok(Date.now() - started < 8000, `wait --timeout 1 took ${Date.now() - started} ms`);
    assert.match(timedOut.stdout, /Timed out/);

    // Without a timeout, wait returns once the agent stops (max rounds 1, after one message).
    let waited: TtResult | undefined;
    const waiting = town.tt("wait", "gina").then((r) => waited = r);
    await town.ok("send", "gina", "first job");
    await waitFor("tt wait to return", () => Promise.resolve(waited));
    await waiting;
    assert.ok(waited);
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stdout, /reached state: .*Stopped/);
    await waitFor("gina's loop to exit", () => Promise.resolve(!processAlive(gina.pid)));

    // A stopped agent restarted runs again.
    const restarted = JSON.parse(
      await town.ok("restart", "gina", "--rounds", "1", "--json"),
    ) as { pid: number };
    assert.ok(restarted.pid !== gina.pid && processAlive(restarted.pid));
    await town.ok("send", "gina", "second job");
    const records = await waitForRounds(town, "gina", 2);
    assert.match(records[1].actionable[0], /second job/);
    await waitForState(town, "gina", "stopped");
    await waitFor("the new loop to exit", () => Promise.resolve(!processAlive(restarted.pid)));

    // Prune removes the stopped agent; what still waited for it goes to the dead letters.
    await town.ok("send", "gina", "never handled");
    const pruned = await town.ok("prune");
    assert.match(pruned, /Pruned 1 agent/);
    assert.deepEqual(JSON.parse(await town.ok("list", "--json")), []);
    const dead = JSON.parse(await town.ok("inbox", "--dead", "--json")) as {
      agent_id: string;
      reason: string;
      preview: string;
    }[];
    const letter = dead.find((d) => d.agent_id === gina.id);
    assert.ok(letter, JSON.stringify(dead));
    assert.match(letter.preview, /never handled/);
    assert.match(letter.reason, /pruned/);
  } finally {
    await town.done();
  }
});

Deno.test("max_agents = 10: of 20 parallel spawns exactly 10 succeed", async () => {
  const town = await agentTown({ maxAgents: 10 });
  try {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => town.tt("spawn", `w${i}`, "--cli", "probe")),
    );
    const ok = results.filter((r) => r.code === 0);
    assert.equal(ok.length, 10, results.map((r) => r.stderr).join(""));
    for (const r of results.filter((r) => r.code !== 0)) {
      assert.equal(r.code, 1);
      assert.match(r.stderr, /max_agents/);
    }
    assert.equal((JSON.parse(await town.ok("list", "--json")) as unknown[]).length, 10);
  } finally {
    await town.done();
  }
});
