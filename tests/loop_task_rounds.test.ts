/**
 * A round that exits 0 but leaves its task open (no `tt task complete`, no `tt task fail`):
 * the next round offers the task again with a note saying so, and after
 * `[agent] max_task_rounds` such rounds the task fails with that reason and the conductor is
 * told. The agent itself is fine: no error, no back-off.
 */
import assert from "node:assert/strict";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { chaosTown, shCli, waitFor } from "./fixtures/chaos_town.ts";

/** The prompt's note; its tt is the town's shim by absolute path. */
const NOTE =
  /the last round ended without `\S+\/\.tt\/bin\/tt task complete` or `\S+\/\.tt\/bin\/tt task fail`/;
const noteFor = (n: number) => new RegExp(`${NOTE.source} for this task \\(${n} of 3;`);

Deno.test("a task left open is offered again with a note, then fails after max_task_rounds", async () => {
  const town = await chaosTown({ config: { idle_timeout_secs: 0, max_task_rounds: 3 } });
  try {
    const out = `${town.dir}/seen`;
    await town.ok("spawn", "forgetful", "--cli", shCli("cli_capture.sh", out));
    const task = JSON.parse(await town.ok("assign", "forgetful", "write the docs", "--json"))
      .task_id as string;

    const failed = await waitFor("the task to fail", async () => {
      return (await town.store.tasks.get(task))?.state === "failed";
    }, 30_000).then(async () => (await town.store.tasks.get(task))!);
    assert.match(failed.result!, /3 rounds of agent forgetful ended without `tt task complete`/);

    const prompt = (n: number) => Deno.readTextFile(`${out}/prompt-${n}.txt`);
    const prompts = [await prompt(1), await prompt(2), await prompt(3)];
    await assert.rejects(prompt(4), Deno.errors.NotFound, "no fourth round for a failed task");
    for (const p of prompts) assert.ok(p.includes(`Task ID: ${task}`));
    assert.doesNotMatch(prompts[0], NOTE, "the first offer carries no note");
    assert.match(prompts[1], noteFor(1));
    assert.match(prompts[2], noteFor(2));

    // The conductor is told, once, with the task and the reason (the message follows the
    // task's failure in a separate write, so wait for it).
    await waitFor("the conductor to be told", async () => {
      return (await town.store.mailbox.peek(SUPERVISOR_ID)).messages.length > 0;
    });
    const { messages } = await town.store.mailbox.peek(SUPERVISOR_ID);
    assert.equal(messages.length, 1, JSON.stringify(messages));
    const body = messages[0].body;
    assert.equal(body.type, "task_failed");
    if (body.type === "task_failed") {
      assert.equal(body.taskId, task);
      assert.match(body.error, /without `tt task complete` or `tt task fail`/);
    }

    await waitFor("forgetful to be idle", async () => {
      const a = (await town.store.agents.list())[0];
      return a.state === "idle" && a.currentTask === undefined;
    });
    const agent = (await town.store.agents.list())[0];
    assert.equal(agent.lastError, undefined, "rounds that exit 0 are no failures");
    assert.equal((await town.store.mailbox.peek(SUPERVISOR_ID)).messages.length, 1, "told once");
    assert.equal(await town.redis.llen(town.store.keys.inbox(agent.id)), 0);
  } finally {
    await town.done();
  }
});
