/**
 * recoverAgents (`tt recover`) against a real redis-server: which agents count as dead, what
 * they become, and how their in-flight messages and tasks are put back. Dead loops are faked
 * with records whose pid is a process that has exited, or whose lease and heartbeat are old.
 */
import assert from "node:assert/strict";
import { recoverAgents } from "../src/service/recover_agents.ts";
import { type Agent, newAgent } from "../src/model/agent.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { decodeMessage, encodeMessage, type Message, newMessage } from "../src/model/message.ts";
import { assignTask, newTask, startTask, type Task } from "../src/model/task.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { hostname } from "../src/agent/liveness.ts";
import { openStore, type Store } from "../src/store/store.ts";
import { startRedis } from "./helpers/redis.ts";

const LEASE = 30;

async function withStore(fn: (store: Store, url: string) => Promise<void>) {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    await fn(openStore(client, "rec"), redis.url);
  } finally {
    await client.close();
  }
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true", { stdout: "null", stderr: "null" }).spawn();
  await child.status;
  return child.pid;
}

async function addAgent(store: Store, name: string, extra: Partial<Agent> = {}): Promise<Agent> {
  const agent: Agent = { ...newAgent(name, "claude"), state: "working", ...extra };
  await store.agents.create(agent, 0);
  return agent;
}

async function addTask(store: Store, agent: Agent, running: boolean): Promise<Task> {
  const assigned = assignTask(newTask(`work for ${agent.name}`), agent.id);
  const task = running ? startTask(assigned) : assigned;
  await store.tasks.create(task);
  return task;
}

const task = (to: string, description: string): Message =>
  newMessage(SUPERVISOR_ID, to, { type: "task", description });
const assignMsg = (to: string, taskId: string): Message =>
  newMessage(SUPERVISOR_ID, to, { type: "task_assign", taskId });

async function list(store: Store, key: string): Promise<Message[]> {
  return (await store.redis.lrange(key, 0, -1)).map((raw) => {
    const r = decodeMessage(raw);
    if (!r.ok) throw new Error(r.reason);
    return r.message;
  });
}

Deno.test("recover: a loop whose process is gone -> Error, in-flight back first, tasks requeued", async () => {
  await withStore(async (store) => {
    const agent = await addAgent(store, "w", { pid: await deadPid(), host: hostname() });
    const running = await addTask(store, agent, true);
    const assignedWaiting = await addTask(store, agent, false);
    const assignedLost = await addTask(store, agent, false);
    const done = await addTask(store, agent, true);
    await store.tasks.update({ ...done, state: "completed" }, ["state"]);
    // In flight: the running task's assignment and a question; waiting: one assignment + news.
    const inflight = [assignMsg(agent.id, running.id), task(agent.id, "answer me")];
    for (const m of inflight) {
      await store.redis.rpush(store.keys.inflight(agent.id), encodeMessage(m));
    }
    const urgentInFlight = task(agent.id, "urgent one");
    await store.redis.rpush(store.mailbox.inflightUrgent(agent.id), encodeMessage(urgentInFlight));
    const waiting = [assignMsg(agent.id, assignedWaiting.id), task(agent.id, "later")];
    for (const m of waiting) await store.mailbox.send(m);

    const r = await recoverAgents(store, { leaseSecs: LEASE });
    assert.equal(r.checked, 1);
    assert.equal(r.recovered.length, 1);
    const rec = r.recovered[0];
    assert.equal(rec.state, "error");
    assert.match(rec.reason, /loop process \d+ is gone/);
    assert.equal(rec.messages, 3);

    const after = (await store.agents.get(agent.id))!;
    assert.equal(after.state, "error");
    assert.equal(after.pid, undefined);
    assert.match(after.lastError!, /^loop died: loop process/);
    assert.equal(await store.redis.exists(store.keys.stop(agent.id)), 1, "a live loop would stop");

    // In-flight messages are back in front of the waiting ones, in order, marked redelivered.
    const inbox = await list(store, store.keys.inbox(agent.id));
    assert.deepEqual(
      inbox.slice(0, 4).map((m) => m.id),
      [...inflight, ...waiting].map((m) => m.id),
    );
    assert.deepEqual(inbox.slice(0, 4).map((m) => m.redelivered === true), [
      true,
      true,
      false,
      false,
    ]);
    const urgent = await list(store, store.keys.urgent(agent.id));
    assert.deepEqual(urgent.map((m) => [m.id, m.redelivered]), [[urgentInFlight.id, true]]);
    assert.equal(await store.redis.llen(store.keys.inflight(agent.id)), 0);
    assert.equal(await store.redis.llen(store.mailbox.inflightUrgent(agent.id)), 0);

    // Running -> assigned; only the task with no task_assign anywhere gets a fresh one.
    assert.equal((await store.tasks.get(running.id))!.state, "assigned");
    assert.equal((await store.tasks.get(done.id))!.state, "completed");
    const byTask = new Map(rec.tasks.map((t) => [t.taskId, t]));
    assert.deepEqual(byTask.get(running.id), {
      taskId: running.id,
      previous: "running",
      state: "assigned",
      messageQueued: false,
    });
    assert.equal(byTask.get(assignedWaiting.id)?.messageQueued, false);
    assert.equal(byTask.get(assignedLost.id)?.messageQueued, true);
    assert.equal(byTask.has(done.id), false);
    const fresh = inbox.slice(4);
    assert.equal(fresh.length, 1);
    assert.deepEqual(fresh[0].body, { type: "task_assign", taskId: assignedLost.id });

    const events = (await store.events.recent(10)).map((e) => e.event);
    const recovered = events.find((e) => e.eventType === "agent_recovered")!;
    assert.equal(recovered.agentId, agent.id);
    assert.equal(recovered.oldState, "Working");
    assert.equal(recovered.newState, "Error");
    assert.ok(events.some((e) => e.eventType === "task_requeued" && e.taskId === running.id));

    assert.equal((await recoverAgents(store, { leaseSecs: LEASE })).recovered.length, 0);
  });
});

Deno.test("recover: lease and heartbeat decide for loops elsewhere; a live local loop is kept", async () => {
  await withStore(async (store) => {
    const old = new Date(Date.now() - 120_000);
    const leased = await addAgent(store, "leased", { lastHeartbeat: old, host: "elsewhere" });
    await store.redis.set(store.keys.lease(leased.id), "1", { ex: LEASE });
    await addAgent(store, "expired", { lastHeartbeat: old, host: "elsewhere" }); // no lease
    const fresh = await addAgent(store, "fresh", { host: "elsewhere" });
    const stopped = await addAgent(store, "stopped", { state: "stopped", lastHeartbeat: old });
    // A live process whose command line names the agent id stands in for its loop.
    const live = await addAgent(store, "live", { lastHeartbeat: old });
    const proc = new Deno.Command("sh", { args: ["-c", "sleep 30", live.id] }).spawn();
    try {
      await store.agents.update({ ...live, pid: proc.pid, host: hostname() }, ["pid", "host"]);
      const r = await recoverAgents(store, { leaseSecs: LEASE });
      assert.equal(r.checked, 5);
      assert.deepEqual(r.recovered.map((a) => a.agent.name), ["expired"]);
      assert.match(
        r.recovered[0].reason,
        /^lease expired, last heartbeat 1[12]\ds ago \(host elsewhere\)$/,
      );
      for (const a of [leased, fresh, live]) {
        assert.equal((await store.agents.get(a.id))!.state, "working", a.name);
      }
      assert.equal((await store.agents.get(stopped.id))!.state, "stopped");
    } finally {
      proc.kill("SIGKILL");
      await proc.status;
    }
  });
});

Deno.test("recover: an agent asked to stop, or whose log shows a clean end, becomes Stopped", async () => {
  await withStore(async (store) => {
    const agents = await Deno.makeTempDir({ prefix: "tt-recover-agents-" });
    try {
      const pid = await deadPid();
      const closing = await addAgent(store, "closing", { state: "draining", pid });
      const killed = await addAgent(store, "killed", { state: "idle", pid });
      await store.redis.set(store.keys.stop(killed.id), "1");
      await addAgent(store, "clean", { state: "idle", pid });
      const loopLog = async (name: string, text: string) => {
        await Deno.mkdir(`${agents}/${name}`, { recursive: true });
        await Deno.writeTextFile(`${agents}/${name}/loop.log`, text);
      };
      await loopLog(
        "clean",
        "x Round 1 ok in 5 ms\nx Agent clean finished (max-rounds) after 1 round(s)\n",
      );
      const crashed = await addAgent(store, "crashed", { state: "idle", pid });
      await loopLog("crashed", "x Round 1: running claude\n");
      // The loop log keeps every run: only the latest run's end counts.
      await addAgent(store, "restarted", { state: "idle", pid });
      await loopLog(
        "restarted",
        "x Agent restarted finished (max-rounds) after 1 round(s)\n" +
          "===== t tt restart: new loop for restarted (id), up to 10 rounds =====\n" +
          "x Round 1: running claude with 1 actionable message(s), output in round-2.log\n",
      );
      await addAgent(store, "again", { state: "idle", pid });
      await loopLog(
        "again",
        "x Round 1: running claude\n===== t tt restart: new loop for again (id) =====\n" +
          "x Agent again finished (max-rounds) after 1 round(s)\n",
      );
      const r = await recoverAgents(store, { leaseSecs: LEASE, townPaths: { agentsDir: agents } });
      const states = Object.fromEntries(r.recovered.map((a) => [a.agent.name, a.state]));
      assert.deepEqual(states, {
        closing: "stopped",
        killed: "stopped",
        clean: "stopped",
        crashed: "error",
        restarted: "error",
        again: "stopped",
      });
      assert.equal((await store.agents.get(closing.id))!.lastError, undefined);
      assert.equal((await store.agents.get(crashed.id))!.state, "error");
    } finally {
      await Deno.remove(agents, { recursive: true });
    }
  });
});

Deno.test("recover: two recovers at once act on each dead agent exactly once", async () => {
  await withStore(async (store, url) => {
    const agents: Agent[] = [];
    for (let i = 0; i < 10; i++) {
      const a = await addAgent(store, `a${i}`, { pid: await deadPid(), host: hostname() });
      await store.redis.rpush(store.keys.inflight(a.id), encodeMessage(task(a.id, `m${i}`)));
      agents.push(a);
    }
    const other = await RedisClient.connect(url);
    try {
      const [r1, r2] = await Promise.all([
        recoverAgents(store, { leaseSecs: LEASE }),
        recoverAgents(openStore(other, "rec"), { leaseSecs: LEASE }),
      ]);
      const names = [...r1.recovered, ...r2.recovered].map((a) => a.agent.name).sort();
      assert.deepEqual(names, agents.map((a) => a.name).sort());
      for (const a of agents) {
        assert.equal(await store.redis.llen(store.keys.inbox(a.id)), 1, `${a.name}: put back once`);
      }
    } finally {
      await other.close();
    }
  });
});
