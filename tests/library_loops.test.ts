/**
 * Agents the library spawns run real loops, as `tt spawn` starts them: each test registers the
 * scripted probe CLI (tests/fixtures/agent_probe.ts), spawns agents through Town.spawnAgent
 * and drives them through AgentHandle, against real redis-server and agent-loop processes.
 */
import assert from "node:assert/strict";
import { AgentService, type Town } from "../mod.ts";
import { eventually, libTown, probeCli } from "./helpers/lib_town.ts";

const CLIS = {
  probe: probeCli("--complete"),
  reporter: probeCli("--complete", "--send-to", "conductor"),
};

function processAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

async function probeRounds(town: Town, name: string): Promise<{ task_ids: string[] }[]> {
  try {
    const text = await Deno.readTextFile(`${town.root}/probe/${name}.jsonl`);
    return text.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

Deno.test("spawnAgent starts the loop as tt spawn; an assigned task is done when wait() returns", async () => {
  await using t = await libTown();
  const town = await t.init(undefined, { agentClis: CLIS });
  const worker = await town.spawnAgent("worker-1", { cli: "probe", maxRounds: 20 });
  const spawned = (await worker.state())!;
  assert.ok(spawned.pid && processAlive(spawned.pid), "its loop runs in the background");
  assert.ok((await Deno.stat(`${town.root}/.tt/agents/worker-1/loop.log`)).isFile);

  const taskId = await worker.assign("Fix the bug in auth.ts");
  const done = await worker.wait({ timeoutMs: 60_000 });
  assert.equal(done.state, "idle");
  assert.equal(done.tasksCompleted, 1);
  assert.ok(done.roundsCompleted >= 1);
  const task = await town.channel.getTask(taskId);
  assert.equal(task?.state, "completed");
  assert.equal(task?.result, "by worker-1");
  assert.deepEqual((await probeRounds(town, "worker-1")).flatMap((r) => r.task_ids), [taskId]);

  // Another handle on the same town sees the same agent, by any reference.
  const again = await t.connect();
  for (const ref of ["worker-1", worker.id, worker.id.slice(0, 4)]) {
    assert.equal((await again.agent(ref)).id, worker.id);
  }
  assert.deepEqual((await again.listAgents()).map((a) => a.name), ["worker-1"]);
});

Deno.test("what an agent sends the conductor is received through the channel", async () => {
  await using t = await libTown();
  const town = await t.init(undefined, { agentClis: CLIS });
  const agent = await town.spawnAgent("reporter", "reporter");
  await agent.assign("Report back");
  const message = await town.channel.receive("conductor", 60_000);
  assert.equal(message?.from, agent.id);
  assert.deepEqual(message?.body, { type: "task", description: "hello from reporter" });
});

Deno.test("interrupt pauses the loop, resume lets it go on, close ends it cold", async () => {
  await using t = await libTown();
  const town = await t.init(undefined, { agentClis: CLIS });
  const h = await town.spawnAgent("paced", { cli: "probe" });
  await h.wait({ timeoutMs: 60_000 });
  assert.equal((await h.interrupt()).state, "paused");
  const taskId = await h.assign("while paused");
  // A paused agent with work waiting is not done.
  await assert.rejects(() => h.wait({ timeoutMs: 1500 }), /still paused/);
  assert.equal((await town.channel.getTask(taskId))?.state, "assigned");
  assert.equal((await h.resume()).state, "idle");
  await h.wait({ timeoutMs: 60_000 });
  assert.equal((await town.channel.getTask(taskId))?.state, "completed");
  assert.equal((await h.close()).state, "draining");
  const ended = await h.wait({ until: "stopped", timeoutMs: 60_000 });
  assert.equal(ended.state, "cold");
});

Deno.test("kill stops the agent and its loop; town.stop() stops the others, then Redis", async () => {
  await using t = await libTown();
  const town = await t.init(undefined, { agentClis: CLIS });
  const a = await town.spawnAgent("killed", "probe");
  const b = await town.spawnAgent("stopped-by-town", "probe");
  await Promise.all([a.wait({ timeoutMs: 60_000 }), b.wait({ timeoutMs: 60_000 })]);
  const pidA = (await a.state())!.pid!;
  const pidB = (await b.state())!.pid!;
  assert.equal((await a.kill()).state, "stopped");
  await eventually("the killed loop to exit", () => !processAlive(pidA), 30_000);
  assert.equal((await AgentService.get(town, "killed")).state, "stopped");

  const r = await town.stop();
  assert.deepEqual(r.agentsStopped, ["stopped-by-town"]);
  assert.equal(r.stopped, true);
  assert.equal(processAlive(pidB), false);
  await assert.rejects(() => Deno.stat(`${town.root}/.tt/redis.pid`), Deno.errors.NotFound);
});
