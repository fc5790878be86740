/**
 * The backlog claim race: 50 separate processes, each with its own connection and agent id,
 * are released together and each try to claim all 20 backlog tasks. Every task must be won
 * exactly once, its record must name the winner, and the winner (only) must hold its
 * task_assign message.
 */
import assert from "node:assert/strict";
import { decodeMessage } from "../src/model/message.ts";
import { newId } from "../src/model/ids.ts";
import { newTask } from "../src/model/task.ts";
import { chaosTown, fixture } from "./fixtures/chaos_town.ts";

const CLAIMERS = 50;
const TASKS = 20;

Deno.test("chaos: 50 parallel claimers on 20 backlog tasks, each task claimed exactly once", async () => {
  const town = await chaosTown();
  const children: Deno.ChildProcess[] = [];
  try {
    const tasks = Array.from({ length: TASKS }, (_, i) => newTask(`backlog task ${i}`));
    for (const t of tasks) await town.store.tasks.create(t, { backlog: true });
    const ids = tasks.map((t) => t.id).join(",");
    const agents = Array.from({ length: CLAIMERS }, () => newId());
    const url = `unix://${town.dir}/.tt/redis.sock`;
    for (const agent of agents) {
      children.push(
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--allow-all",
            "--quiet",
            fixture("chaos_claimer.ts"),
            url,
            town.name,
            agent,
            ids,
          ],
          stdin: "piped",
          stdout: "piped",
          stderr: "inherit",
        }).spawn(),
      );
    }
    // Everyone connected and waiting, then one starting gun for all.
    const readers = children.map((c) => c.stdout.pipeThrough(new TextDecoderStream()).getReader());
    const firstLines = await Promise.all(readers.map((r) => r.read()));
    assert.ok(firstLines.every((l) => l.value?.startsWith("ready")));
    const go = new TextEncoder().encode("go\n");
    await Promise.all(children.map(async (c) => {
      const w = c.stdin.getWriter();
      await w.write(go);
      await w.close();
    }));
    const outputs = await Promise.all(readers.map(async (r) => {
      let text = "";
      for (;;) {
        const { value, done } = await r.read();
        if (done) return text;
        text += value;
      }
    }));
    const statuses = await Promise.all(children.map((c) => c.status));
    assert.ok(statuses.every((s) => s.success), "every claimer exits 0");

    const winners = new Map<string, string[]>(); // task -> agents that won it
    outputs.forEach((out, i) => {
      for (const taskId of JSON.parse(out.trim().split("\n").pop()!) as string[]) {
        winners.set(taskId, [...(winners.get(taskId) ?? []), agents[i]]);
      }
    });
    for (const t of tasks) {
      assert.equal(winners.get(t.id)?.length, 1, `task ${t.id} won by ${winners.get(t.id)}`);
      const stored = (await town.store.tasks.get(t.id))!;
      assert.equal(stored.state, "assigned");
      assert.equal(stored.assignedTo, winners.get(t.id)![0]);
    }
    assert.equal(await town.store.tasks.backlogLength(), 0, "the backlog is empty");
    let messages = 0;
    for (const agent of agents) {
      for (const raw of await town.redis.lrange(town.store.keys.inbox(agent), 0, -1)) {
        const r = decodeMessage(raw);
        assert.ok(r.ok && r.message.body.type === "task_assign");
        assert.deepEqual(winners.get(r.message.body.taskId), [agent], "only the winner is told");
        messages++;
      }
    }
    assert.equal(messages, TASKS, "one task_assign per task");
    const spread = new Set([...winners.values()].map((w) => w[0])).size;
    console.log(`claim race: ${TASKS} tasks, ${CLAIMERS} claimers, ${spread} distinct winners`);
  } finally {
    for (const c of children) {
      try {
        c.kill("SIGKILL");
      } catch {
        // exited
      }
      await c.status;
    }
    await town.done();
  }
});
