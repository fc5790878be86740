/**
 * `tt recover` and `tt reclaim` as commands: flag conflicts (exit 2), the human lines, the
 * JSON shapes, and a full recover -> restart on a real agent whose loop was SIGKILLed while
 * its task was running.
 */
import assert from "node:assert/strict";
import {
  chaosTown,
  crash,
  processAlive,
  readLines,
  shCli,
  waitFor,
} from "./fixtures/chaos_town.ts";

Deno.test("tt reclaim: conflicting flags are usage errors (exit 2)", async () => {
  const town = await chaosTown();
  try {
    for (
      const args of [
        ["--cancel", "--to-backlog"],
        ["--delete", "--to", "x"],
        ["--cancel", "--delete"],
        ["--cancel"],
        ["--orphan-tasks", "--to-backlog", "--to", "x"],
      ]
    ) {
      const r = await town.tt("reclaim", ...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /error/);
    }
    const help = await town.ok("recover", "--help");
    assert.match(help, /goes back to Assigned/);
    assert.match(help, /task_assign/);
  } finally {
    await town.done();
  }
});

Deno.test("tt recover / tt reclaim with nothing to do", async () => {
  const town = await chaosTown();
  try {
    assert.equal(
      await town.ok("recover"),
      "Scanning for orphaned agents...\nNo orphaned agents found (0 agents checked)\n",
    );
    assert.deepEqual(JSON.parse(await town.ok("recover", "--json")), {
      agents_checked: 0,
      agents_recovered: 0,
      recovered: [],
    });
    assert.equal(await town.ok("reclaim"), "No dead agents found with tasks to reclaim\n");
    assert.equal(
      await town.ok("reclaim", "--from", "ghost"),
      "Agent 'ghost' not found or not in terminal state\n",
    );
    assert.equal(await town.ok("reclaim", "--orphan-tasks"), "No orphan tasks found\n");
    const r = await town.tt("reclaim", "--to", "ghost");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /agent not found: ghost/);
  } finally {
    await town.done();
  }
});

Deno.test("SIGKILLed mid-task: tt recover requeues it, tt restart hands it to the agent again", async () => {
  const town = await chaosTown();
  try {
    const record = `${town.dir}/handled.txt`;
    // The first round runs long (killed there); the restarted loop runs the CLI again.
    const spawned = JSON.parse(
      await town.ok("spawn", "w", "--cli", shCli("chaos_record.sh", record, "30"), "--json"),
    );
    const task = JSON.parse(await town.ok("assign", "w", "chaos-msg-1 build it", "--json")).task_id;
    await waitFor(
      "the task to run",
      async () => (await town.store.tasks.get(task))?.state === "running",
    );
    crash(spawned.pid, true); // the loop and its (sleeping) CLI
    await waitFor("the loop to die", () => !processAlive(spawned.pid));

    const human = await town.ok("recover");
    assert.match(human, /Recovered 'w' \(Working -> Error\): loop process \d+ is gone/);
    assert.match(human, /1 in-flight message\(s\) put back in its inbox/);
    assert.match(human, new RegExp(`task ${task}: Running -> Assigned`));
    assert.match(human, /Recovered 1 orphaned agent\(s\) \(1 total checked\)/);
    const status = JSON.parse(await town.ok("status", "--json"));
    assert.equal(status.agents[0].state, "error");

    assert.equal(
      await town.ok("reclaim"),
      [
        "Messages held by dead agents (nothing moved):",
        "   w (Error): 1 message(s)",
        `      task ${task}: chaos-msg-1 build it [inbox]`,
        "Found 1 task(s) and 0 other message(s). Move them with --to-backlog or --to <agent>",
        "",
      ].join("\n"),
    );
    const orphans = JSON.parse(await town.ok("reclaim", "--orphan-tasks", "--json"));
    assert.equal(orphans.action, "list");
    assert.deepEqual(
      orphans.orphans.map((o: { task_id: string; reason: string }) => [
        o.task_id,
        o.reason,
      ]),
      [[task, "agent_terminal"]],
    );

    // A faster CLI for the restart: the record file gets the marker when the round finishes.
    await town.store.agents.update(
      { ...(await town.store.agents.get(spawned.id))!, cli: shCli("chaos_record.sh", record, "0") },
      ["cli"],
    );
    const restarted = JSON.parse(await town.ok("restart", "w", "--json"));
    assert.equal(restarted.id, spawned.id, "restart keeps the identity");
    await waitFor(
      "the redelivered task to be handled",
      async () => (await readLines(record)).includes("chaos-msg-1"),
    );
    const events = (await town.store.events.recent(50)).map((e) => e.event.eventType);
    assert.ok(events.includes("agent_recovered"));
    assert.ok(events.includes("task_requeued"));
    // Started again by the new loop. The fixture never completes it, so a loop on a slow
    // machine may already have used up its rounds on it (max_task_rounds) and failed it.
    const requeued = events.lastIndexOf("task_requeued");
    assert.ok(
      events.slice(requeued + 1).includes("task_started"),
      `the task is started again after it was requeued (oldest first: ${events.join(", ")})`,
    );
    assert.ok(["running", "failed"].includes((await town.store.tasks.get(task))?.state ?? ""));
  } finally {
    await town.done();
  }
});
