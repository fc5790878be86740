/**
 * `tt reset` while agent loops run: the loops (and their CLIs) are stopped first, so no loop
 * writes an inbox, activity or lease back for an agent that no longer exists. Loops that run on
 * another machine cannot be stopped from here: then reset refuses and deletes nothing.
 */
import assert from "node:assert/strict";
import { RedisClient } from "../src/redis/mod.ts";
import {
  type AgentTown,
  agentTown,
  processAlive,
  spawn,
  waitFor,
  waitForState,
} from "./fixtures/agent_town.ts";

/** An agent whose CLI hangs mid-round; returns the pids of its loop and its CLI. */
async function midRound(town: AgentTown, name: string) {
  const agent = await spawn(town, name, "hanging");
  await town.ok("assign", name, `work for ${name} that never ends`);
  const cliPid = await waitFor("the CLI to start", async () => {
    const text = await Deno.readTextFile(`${town.dir}/probe/${name}.pid`).catch(() => "");
    return Number(text) || undefined;
  });
  await waitForState(town, name, "working");
  return { ...agent, cliPid };
}

function kill(pids: number[]): void {
  for (const pid of pids) {
    try {
      if (processAlive(pid)) Deno.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

async function keysOf(client: RedisClient, id: string): Promise<string[]> {
  return (await client.scanAll("tt:test-town:*")).filter((k) => k.includes(id)).sort();
}

Deno.test("tt reset --force stops the loops mid-round and their CLIs before deleting", async () => {
  const town = await agentTown();
  const client = await RedisClient.connect(`unix://${town.dir}/.tt/redis.sock`);
  const pids: number[] = [];
  try {
    const busy = await midRound(town, "busy");
    pids.push(busy.pid, busy.cliPid);
    const idle = await spawn(town, "idler", "probe");
    pids.push(idle.pid);
    await waitForState(town, "idler", "idle");

    // Without --force (no terminal): nothing happens, and it says which loops would stop.
    const preview = JSON.parse(await town.ok("reset", "--json"));
    assert.equal(preview.deleted, 0);
    assert.deepEqual(preview.would_stop.sort(), ["busy", "idler"]);
    assert.ok(processAlive(busy.pid) && processAlive(busy.cliPid), "a preview stops nothing");
    assert.match(await town.ok("reset"), /would stop 2 running agent loop\(s\)/i);

    const r = await town.tt("reset", "--force", "--json");
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.agents_stopped.sort(), ["busy", "idler"]);
    assert.ok(out.deleted > 0);
    // Reset returns only once the loops and the hanging CLI are gone.
    assert.equal(processAlive(busy.pid), false, "the busy loop is gone");
    assert.equal(processAlive(busy.cliPid), false, "its CLI is gone");
    assert.equal(processAlive(idle.pid), false, "the idle loop is gone");
    assert.deepEqual(await client.scanAll("tt:test-town:*"), [], "nothing was written back");
  } finally {
    kill(pids);
    await client.close();
    await town.done();
  }
});

Deno.test("tt reset --force --agents-only stops loops first and keeps the tasks", async () => {
  const town = await agentTown();
  const client = await RedisClient.connect(`unix://${town.dir}/.tt/redis.sock`);
  const pids: number[] = [];
  try {
    const busy = await midRound(town, "busy");
    pids.push(busy.pid, busy.cliPid);
    const out = JSON.parse(await town.ok("reset", "--force", "--agents-only", "--json"));
    assert.equal(out.agents_only, true);
    assert.deepEqual(out.agents_stopped, ["busy"]);
    assert.equal(processAlive(busy.pid), false, "the loop is gone");
    assert.equal(processAlive(busy.cliPid), false, "its CLI is gone");
    assert.deepEqual(await keysOf(client, busy.id), [], "no key of the old agent is left");
    const tasks = JSON.parse(await town.ok("task", "list", "--json"));
    assert.equal(tasks.length, 1, "the task is kept");
  } finally {
    kill(pids);
    await client.close();
    await town.done();
  }
});

Deno.test("tt reset --force refuses while a loop runs on another machine", async () => {
  const town = await agentTown();
  const client = await RedisClient.connect(`unix://${town.dir}/.tt/redis.sock`);
  const pids: number[] = [];
  try {
    const far = await spawn(town, "far", "probe");
    pids.push(far.pid);
    await waitForState(town, "far", "idle");
    // As if its loop ran elsewhere: another host holds the lease.
    await client.command(["HSET", `tt:test-town:agent:${far.id}`, "host", "elsewhere.example"]);
    const before = (await client.scanAll("tt:test-town:*")).length;
    const r = await town.tt("reset", "--force");
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^error: [^\n]*far[^\n]*elsewhere\.example[^\n]*tt kill[^\n]*\n$/);
    assert.equal((await client.scanAll("tt:test-town:*")).length, before, "nothing deleted");
    assert.ok(processAlive(far.pid), "nothing was signalled");
  } finally {
    kill(pids);
    await client.close();
    await town.done();
  }
});
