/**
 * `[agent] round_timeout_secs`: an agent CLI that runs past it is ended with its whole process
 * tree (SIGTERM, then SIGKILL for one that ignores SIGTERM); the round counts as failed, its
 * message goes back to the inbox exactly once, and the task it was running goes back to
 * assigned with the timeout in its history.
 */
import assert from "node:assert/strict";
import { chaosTown, fixture, processAlive, readLines, waitFor } from "./fixtures/chaos_town.ts";

async function timeoutRound(ignoreTerm: boolean) {
  const town = await chaosTown({ config: { round_timeout_secs: 1 } });
  try {
    const pidFile = `${town.dir}/tree.pids`;
    const cli = ["sh", fixture("cli_tree.sh"), pidFile, ...(ignoreTerm ? ["ignore-term"] : [])]
      .join(" ");
    await town.ok("spawn", "slow", "--cli", cli, "--max-rounds", "1");
    const task = JSON.parse(await town.ok("assign", "slow", "take your time", "--json")).task_id;
    await waitFor("the CLI tree to start", async () => (await readLines(pidFile)).length > 0);
    const started = Date.now();
    const pids = (await readLines(pidFile))[0].split(" ").map(Number);
    assert.equal(pids.length, 3, "shell, child shell and grandchild sleep");
    assert.ok(pids.every(processAlive));
    assert.equal((await town.store.tasks.get(task))?.state, "running");

    // SIGKILL comes 5 s after SIGTERM for a tree that ignores it.
    await waitFor("every process of the CLI tree to end", () => !pids.some(processAlive), 15_000);
    const tookMs = Date.now() - started;
    if (ignoreTerm) assert.ok(tookMs >= 4000, `ended after ${tookMs} ms: before the grace period`);
    else assert.ok(tookMs < 4000, `SIGTERM should have ended it at once, took ${tookMs} ms`);

    const agent = (await town.store.agents.list())[0];
    await waitFor(
      "the loop to stop after its one round",
      async () => (await town.store.agents.get(agent.id))?.state === "stopped",
    );
    const after = (await town.store.tasks.get(task))!;
    assert.equal(after.state, "assigned");
    assert.equal(after.assignedTo, agent.id);
    const inbox = await town.redis.lrange(town.store.keys.inbox(agent.id), 0, -1);
    assert.equal(inbox.length, 1, "the task_assign is back, once");
    assert.equal(JSON.parse(inbox[0]).task_id, task);
    assert.equal(await town.redis.llen(town.store.keys.inflight(agent.id)), 0);
    const history = (await town.store.events.recent(50)).map((e) => e.event);
    assert.ok(
      history.some((e) =>
        e.eventType === "task_requeued" && e.taskId === task && /timed out after 1s/.test(e.message)
      ),
      history.map((e) => `${e.eventType}: ${e.message}`).join("\n"),
    );
    assert.ok(
      (await town.store.activity.recent(agent.id, 10)).some((l) => l.includes("timed out")),
    );
  } finally {
    await town.done();
  }
}

Deno.test("round timeout: a CLI tree is ended with SIGTERM, its work put back", () =>
  timeoutRound(false));

Deno.test("round timeout: a CLI tree that ignores SIGTERM gets SIGKILL", () => timeoutRound(true));
