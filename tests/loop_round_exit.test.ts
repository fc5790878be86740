/**
 * Review: a round whose CLI finishes its task (`tt task complete`) and then exits non-zero.
 * The failed round puts its work back, but a task_assign for a task that is already finished
 * is no work: it must not make the next round do the task again.
 */
import assert from "node:assert/strict";
import {
  agentStatus,
  agentTown,
  holdsFor,
  probeRecords,
  spawn,
  waitFor,
  waitForState,
} from "./fixtures/agent_town.ts";

const PROBE = new URL("./fixtures/agent_probe.ts", import.meta.url).pathname;

Deno.test("CLI completes its task, then fails: the finished task is not run again", async () => {
  const town = await agentTown();
  try {
    const command = [Deno.execPath(), "run", "--allow-all", "--quiet", PROBE, "--complete"]
      .concat(["--exit", "3"]).map((w) => `'${w}'`).join(" ");
    await Deno.writeTextFile(
      `${town.dir}/tinytown.toml`,
      `\n[agent_clis.done-then-fail]\nname = "done-then-fail"\ncommand = ${
        JSON.stringify(command)
      }\n`,
      { append: true },
    );
    await spawn(town, "dora", "done-then-fail", "--max-rounds", "3");
    await waitForState(town, "dora", "idle");
    const task = (JSON.parse(await town.ok("assign", "dora", "one job", "--json")) as {
      task_id: string;
    }).task_id;

    const settled = await waitFor("dora's round to settle", async () => {
      const a = await agentStatus(town, "dora");
      // Fixed: idle with nothing waiting. Broken: the task_assign goes round until max rounds.
      const idle = a.rounds_completed >= 1 && a.state === "idle" && a.inbox === 0 &&
        a.in_flight === 0;
      return idle || a.state === "stopped" ? a : undefined;
    });
    const shown = JSON.parse(await town.ok("task", "show", task, "--json")) as { state: string };
    assert.equal(shown.state, "completed");
    const records = await probeRecords(town, "dora");
    assert.deepEqual(
      records.map((r) => r.task_ids),
      [[task]],
      `the completed task ran ${records.length} time(s); agent ${JSON.stringify(settled)}`,
    );
    assert.equal(settled.state, "idle");
    await holdsFor("dora to run no further round", async () => {
      return (await probeRecords(town, "dora")).length === 1;
    }, 1500);
  } finally {
    await town.done();
  }
});
