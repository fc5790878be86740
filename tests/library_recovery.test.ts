/**
 * Recovery, backlog and reclaim helpers through the library (mod.ts): that group of
 * tinytown's library integration tests (library.md §14). Where tt recovers differently (an
 * agent whose loop died without a clean end becomes `error`, not `stopped`; tt's lease is
 * 30 s, not 120 s), the tests say so.
 */
import assert from "node:assert/strict";
import {
  type Agent,
  type AgentState,
  newAgent,
  newId,
  newMessage,
  RecoveryService,
  SUPERVISOR_ID,
  type Town,
} from "../mod.ts";
import { withLibTown } from "./helpers/lib_town.ts";

/** A record in `state` whose last heartbeat was `ageMs` ago. */
async function staleAgent(
  town: Town,
  name: string,
  state: AgentState,
  ageMs: number,
): Promise<Agent> {
  const agent = { ...newAgent(name, "claude"), state, lastHeartbeat: new Date(Date.now() - ageMs) };
  await town.channel.saveAgent(agent);
  return agent;
}

const RECOVERABLE: readonly AgentState[] = ["working", "starting", "idle", "draining"];

Deno.test("a working record with a 3-minute-old heartbeat lists as working, over 120 s old", () =>
  withLibTown(async (town) => {
    await staleAgent(town, "orphan", "working", 180_000);
    const [agent] = await town.listAgents();
    assert.equal(agent.state, "working");
    assert.ok((Date.now() - agent.lastHeartbeat.getTime()) / 1000 > 120);
  }));

Deno.test("a starting record with a 5-minute-old heartbeat reads back as starting", () =>
  withLibTown(async (town) => {
    const agent = await staleAgent(town, "stuck", "starting", 300_000);
    assert.equal((await town.channel.getAgent(agent.id))?.state, "starting");
  }));

Deno.test("stopped and paused records are not in a recoverable state", () =>
  withLibTown(async (town) => {
    await staleAgent(town, "done", "stopped", 180_000);
    await staleAgent(town, "held", "paused", 180_000);
    for (const a of await town.listAgents()) assert.ok(!RECOVERABLE.includes(a.state), a.name);
  }));

Deno.test("rewriting a stale working record as stopped shows through state()", () =>
  withLibTown(async (town) => {
    const agent = await staleAgent(town, "rewrite", "working", 180_000);
    await town.channel.saveAgent({ ...agent, state: "stopped" });
    assert.equal((await (await town.agent("rewrite")).state())?.state, "stopped");
  }));

Deno.test("recover acts on an idle agent with a 3-minute-old heartbeat and no log", () =>
  withLibTown(async (town) => {
    const agent = await staleAgent(town, "stale-idle", "idle", 180_000);
    const recovered = await RecoveryService.recover(town);
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0].agent.id, agent.id);
    assert.equal(recovered[0].agent.state, "idle");
    // tt: a loop that died without a clean end leaves the agent `error` (the reference: stopped).
    assert.equal(recovered[0].state, "error");
    assert.equal((await town.channel.getAgent(agent.id))?.state, "error");
  }));

Deno.test("recover leaves an idle agent whose heartbeat is recent", () =>
  withLibTown(async (town) => {
    // 10 s: within tt's 30 s lease (the reference's test uses 30 s against its 120 s).
    const agent = await staleAgent(town, "healthy", "idle", 10_000);
    assert.deepEqual(await RecoveryService.recover(town), []);
    assert.equal((await town.channel.getAgent(agent.id))?.state, "idle");
  }));

Deno.test("with recent heartbeats no recoverable agent is older than 120 s", () =>
  withLibTown(async (town) => {
    for (const name of ["a", "b", "c"]) await staleAgent(town, name, "working", 1000);
    const old = (await town.listAgents()).filter((a) =>
      RECOVERABLE.includes(a.state) && Date.now() - a.lastHeartbeat.getTime() > 120_000
    );
    assert.deepEqual(old, []);
  }));

Deno.test("backlog: push three, list in order, pop the first, remove the third, pop the last", () =>
  withLibTown(async (town) => {
    const c = town.channel;
    assert.equal(await c.backlogLen(), 0);
    const ids = [newId(), newId(), newId()];
    for (const id of ids) await c.backlogPush(id);
    assert.deepEqual(await c.backlogList(), ids);
    assert.equal(await c.backlogPop(), ids[0]);
    assert.equal(await c.backlogRemove(ids[2]), true);
    assert.deepEqual(await c.backlogList(), [ids[1]]);
    assert.equal(await c.backlogPop(), ids[1]);
    assert.equal(await c.backlogPop(), null);
  }));

Deno.test("draining a dead agent's inbox gives its messages in send order and empties it", () =>
  withLibTown(async (town) => {
    const agent = await staleAgent(town, "dead", "working", 0);
    const sent = [1, 2, 3].map((i) =>
      newMessage(SUPERVISOR_ID, agent.id, { type: "task", description: `job ${i}` })
    );
    for (const m of sent) await town.channel.send(m);
    await town.channel.saveAgent({ ...agent, state: "stopped" });
    assert.deepEqual(
      (await town.channel.drainInbox(agent.id)).map((m) => m.id),
      sent.map((m) => m.id),
    );
    assert.equal(await town.channel.inboxLen(agent.id), 0);
  }));

Deno.test("an error agent's task_assign ids drained onto the backlog keep their order", () =>
  withLibTown(async (town) => {
    const agent = await staleAgent(town, "failed", "error", 0);
    const tasks = [newId(), newId()];
    for (const taskId of tasks) {
      await town.channel.send(newMessage(SUPERVISOR_ID, agent.id, { type: "task_assign", taskId }));
    }
    for (const m of await town.channel.drainInbox(agent.id)) {
      if (m.body.type === "task_assign") await town.channel.backlogPush(m.body.taskId);
    }
    assert.deepEqual(await town.channel.backlogList(), tasks);
  }));

Deno.test("a drained message moved to a second agent keeps its task_assign payload", () =>
  withLibTown(async (town) => {
    const from = await staleAgent(town, "from", "stopped", 0);
    const to = await staleAgent(town, "to", "idle", 0);
    const taskId = newId();
    await town.channel.send(newMessage(SUPERVISOR_ID, from.id, { type: "task_assign", taskId }));
    const [m] = await town.channel.drainInbox(from.id);
    const moved = await town.channel.moveMessageToInbox(m, to.id);
    assert.equal(moved.id, m.id);
    assert.equal(await town.channel.inboxLen(from.id), 0);
    assert.equal(await town.channel.inboxLen(to.id), 1);
    const [got] = await town.channel.drainInbox(to.id);
    assert.deepEqual(got.body, { type: "task_assign", taskId });
    assert.equal(got.to, to.id);
  }));
