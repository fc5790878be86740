/**
 * Agents through the library (mod.ts), ported from the "Agents" group of tinytown's library
 * integration tests (library.md §14). Agents here are registered with `start: false` (the
 * reference's record-only spawn); library_loops.test.ts runs real loops.
 */
import assert from "node:assert/strict";
import {
  AgentNotFoundError,
  canAcceptWork,
  ConfigError,
  isTerminalState,
  MessageService,
  newAgent,
  newId,
  newMessage,
  shortId,
  summarizeMessage,
  SUPERVISOR_ID,
} from "../mod.ts";
import { libTown } from "./helpers/lib_town.ts";

Deno.test("supervisor/conductor aliases resolve to the conductor mailbox without any record", async () => {
  await using t = await libTown();
  const town = await t.init();
  const worker = await town.spawnAgent("worker", { start: false });
  await town.channel.send(
    newMessage(worker.id, SUPERVISOR_ID, { type: "informational", summary: "all done" }),
  );
  for (const ref of ["supervisor", "conductor", "Conductor", " SUPERVISOR "]) {
    const h = await town.agent(ref);
    assert.equal(h.id, SUPERVISOR_ID, ref);
    assert.equal(await h.state(), null);
  }
  for (const ref of ["supervisor", "conductor"]) {
    const inbox = await MessageService.inbox(town, ref);
    assert.equal(inbox.agentId, SUPERVISOR_ID);
    assert.equal(inbox.messages.length, 1);
    assert.equal(summarizeMessage(inbox.messages[0].body), "all done");
    assert.equal(inbox.messages[0].to, SUPERVISOR_ID);
  }
});

Deno.test("a stopped agent resolves by nickname, 4-character id and 'Nickname [role]' label", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await town.spawnAgent("lookup", { start: false, nickname: "Piper", role: "worker" });
  await town.channel.saveAgent({ ...(await h.state())!, state: "stopped" });
  for (const ref of ["Piper", "piper", shortId(h.id), "Piper [worker]", h.id.toUpperCase()]) {
    assert.equal((await town.agent(ref)).id, h.id, ref);
  }
  await assert.rejects(() => town.agent("nobody"), AgentNotFoundError);
});

Deno.test("supervisor and conductor cannot be spawned; conductor-helper can", async () => {
  await using t = await libTown();
  const town = await t.init();
  for (const name of ["supervisor", "conductor", "Conductor"]) {
    await assert.rejects(() => town.spawnAgent(name, { start: false }), ConfigError);
  }
  const ok = await town.spawnAgent("conductor-helper", { start: false });
  assert.equal((await ok.state())?.name, "conductor-helper");
});

Deno.test("a spawned agent's record: its name, the CLI as given, worker, starting, 0 tasks", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await town.spawnAgent("test-agent", { cli: "claude", start: false });
  assert.notEqual(h.id, SUPERVISOR_ID);
  assert.equal(h.name, "test-agent");
  const a = (await h.state())!;
  assert.equal(a.name, "test-agent");
  assert.equal(a.cli, "claude");
  assert.equal(a.agentType, "worker");
  assert.equal(a.state, "starting");
  assert.equal(a.tasksCompleted, 0);
  // The CLI given by name is stored as given (record only: codex need not be installed).
  assert.equal(
    (await (await town.spawnAgent("by-cli", { cli: "codex", start: false })).state())?.cli,
    "codex",
  );
});

Deno.test("three spawns give three distinct ids, each with a record", async () => {
  await using t = await libTown();
  const town = await t.init();
  const handles = [];
  for (const name of ["agent-1", "agent-2", "agent-3"]) {
    handles.push(await town.spawnAgent(name, { start: false }));
  }
  assert.equal(new Set(handles.map((h) => h.id)).size, 3);
  for (const h of handles) assert.ok(await h.state());
});

Deno.test("saving a new Agent value (idle, 5 tasks completed) reads back the same", async () => {
  await using t = await libTown();
  const town = await t.init();
  const agent = { ...newAgent("state-test", "claude"), state: "idle" as const, tasksCompleted: 5 };
  await town.channel.saveAgent(agent);
  const back = await town.channel.getAgent(agent.id);
  assert.equal(back?.state, "idle");
  assert.equal(back?.tasksCompleted, 5);
  assert.equal(back?.name, "state-test");
  assert.equal(back?.createdAt.getTime(), agent.createdAt.getTime());
});

Deno.test("overwriting a spawned agent as idle, then working, shows through state()", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await town.spawnAgent("transitions", { start: false });
  assert.equal((await h.state())?.state, "starting");
  for (const state of ["idle", "working"] as const) {
    await town.channel.saveAgent({ ...(await h.state())!, state });
    assert.equal((await h.state())?.state, state);
  }
});

Deno.test("wait() on an agent whose record says idle (nothing waiting) returns at once", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await town.spawnAgent("waiter", { start: false });
  await town.channel.saveAgent({ ...(await h.state())!, state: "idle" });
  const started = Date.now();
  const agent = await h.wait({ timeoutMs: 5000 });
  assert.equal(agent.state, "idle");
  assert.ok(Date.now() - started < 1000);
});

Deno.test("only idle accepts work; stopped, error and cold are terminal", () => {
  assert.equal(canAcceptWork("idle"), true);
  for (const s of ["working", "paused", "starting"] as const) assert.equal(canAcceptWork(s), false);
  for (const s of ["stopped", "error", "cold"] as const) assert.equal(isTerminalState(s), true);
  for (const s of ["idle", "working"] as const) assert.equal(isTerminalState(s), false);
});

Deno.test("ten spawns give ten distinct ids (max_agents 10 is enforced, not exceeded)", async () => {
  await using t = await libTown();
  const town = await t.init();
  const ids = new Set<string>();
  for (let i = 0; i < 10; i++) ids.add((await town.spawnAgent(`many-${i}`, { start: false })).id);
  assert.equal(ids.size, 10);
  await assert.rejects(() => town.spawnAgent("eleventh", { start: false }), /max_agents/);
});

Deno.test("reading an unknown agent id gives null, not an error", async () => {
  await using t = await libTown();
  const town = await t.init();
  assert.equal(await town.channel.getAgent(newId()), null);
});
