/**
 * `tt recover`: finds agents whose loop died — its process is gone on this machine, or its
 * lease expired and its heartbeat is older than the lease — and puts their unfinished work
 * back where a new loop finds it:
 * - the agent becomes `error` (or `stopped` when the loop had recorded a clean end or had been
 *   asked to stop), so `tt restart` accepts it;
 * - messages it had taken but not finished go back to the front of its inbox, marked
 *   redelivered;
 * - a task it was running goes back to `assigned`, and a task of its with no `task_assign`
 *   waiting gets a fresh one, so the restarted loop picks it up.
 * Each agent is claimed with a state-guarded write, so two recovers never both act on it.
 */
import { type Agent, type AgentState, isActiveState, stateDisplayName } from "../model/agent.ts";
import { newEvent } from "../model/event.ts";
import { shortId, SUPERVISOR_ID } from "../model/ids.ts";
import { decodeMessage, newMessage } from "../model/message.ts";
import type { Task, TaskState } from "../model/task.ts";
import { isAlive } from "../process.ts";
import type { Store } from "../store/store.ts";
import { agentPaths, type TownPaths } from "../town/paths.ts";
import { isStale } from "./town_status.ts";
import { endOrphanCli } from "./agent_orphan.ts";
import { hostname } from "../agent/liveness.ts";

export interface RecoverOptions {
  /** `[agent] lease_secs`: how old a heartbeat must be, once the lease is gone. */
  leaseSecs: number;
  /** Where the agents' folders are; a loop's log tells whether it ended cleanly. */
  townPaths?: Pick<TownPaths, "agentsDir">;
  now?: number;
}

export interface RequeuedTask {
  taskId: string;
  previous: TaskState;
  state: TaskState;
  /** A fresh task_assign was queued because none was waiting. */
  messageQueued: boolean;
}

export interface RecoveredAgent {
  /** The record as it was before recovery. */
  agent: Agent;
  state: AgentState;
  /** Why the loop counts as dead, one line. */
  reason: string;
  /** In-flight messages put back at the front of the inbox. */
  messages: number;
  tasks: RequeuedTask[];
  /** The dead loop's agent CLI was still running here and was ended. */
  cliEnded: boolean;
}

export interface RecoverResult {
  checked: number;
  recovered: RecoveredAgent[];
}

export async function recoverAgents(store: Store, opts: RecoverOptions): Promise<RecoverResult> {
  const now = opts.now ?? Date.now();
  const agents = await store.agents.list();
  const active = agents.filter((a) => isActiveState(a.state));
  if (active.length === 0) return { checked: agents.length, recovered: [] };
  const p = store.redis.pipeline();
  for (const a of active) {
    p.add("EXISTS", store.keys.lease(a.id)).add("EXISTS", store.keys.stop(a.id));
  }
  const flags = (await p.execOrThrow()) as number[];
  const tasks = await store.tasks.list();
  const recovered: RecoveredAgent[] = [];
  for (const [i, agent] of active.entries()) {
    const reason = deathReason(agent, flags[2 * i] === 1, opts.leaseSecs, now);
    if (!reason) continue;
    const stopRequested = flags[2 * i + 1] === 1 || agent.state === "draining";
    const clean = stopRequested || (opts.townPaths !== undefined &&
      await endedCleanly(opts.townPaths, agent.name));
    const r = await recoverOne(store, agent, clean ? "stopped" : "error", reason, tasks);
    if (r) recovered.push(r);
  }
  return { checked: agents.length, recovered };
}

/**
 * Why the agent's loop counts as dead, or undefined while it may be alive. A loop that still
 * runs on this machine is never declared dead, even when its lease lapsed (Redis was away).
 */
export function deathReason(
  agent: Agent,
  leaseHeld: boolean,
  leaseSecs: number,
  now = Date.now(),
): string | undefined {
  if (!isStale(agent, leaseHeld, leaseSecs, now)) return undefined;
  const local = agent.pid !== undefined && (!agent.host || agent.host === hostname());
  if (local && isLoopProcess(agent.pid!, agent.id)) return undefined;
  if (local && !isAlive(agent.pid!)) return `loop process ${agent.pid} is gone`;
  const age = Math.max(0, Math.round((now - agent.lastHeartbeat.getTime()) / 1000));
  return `lease expired, last heartbeat ${age}s ago${agent.host ? ` (host ${agent.host})` : ""}`;
}

async function recoverOne(
  store: Store,
  agent: Agent,
  state: AgentState,
  reason: string,
  tasks: readonly Task[],
): Promise<RecoveredAgent | undefined> {
  const next: Agent = { ...agent, state };
  delete next.pid;
  delete next.cliPid;
  if (state === "error") next.lastError = `loop died: ${reason}`;
  const props: (keyof Agent)[] = [
    "state",
    "pid",
    "cliPid",
    ...(state === "error" ? ["lastError" as const] : []),
  ];
  // Claimed only while the state is still the one judged dead: a second recover, or a loop
  // that moved (or was restarted) meanwhile, makes this a no-op.
  if ((await store.agents.updateIfState(next, props, [agent.state])) !== "written") return;
  // Should the loop be alive after all (another host, a long partition), it stops at its next
  // check instead of running beside the one `tt restart` will start. Restart clears the flag.
  await store.redis.set(store.keys.stop(agent.id), "1", { ex: 3600 });
  // Its CLI would otherwise go on working beside the round a restart runs.
  const cliEnded = await endOrphanCli(agent);
  const messages = await store.mailbox.redeliverInFlight(agent.id);
  const requeued = await requeueTasks(store, agent, tasks);
  const line = `${messages} message(s) put back, ${requeued.length} task(s) requeued` +
    (cliEnded ? ", its agent CLI ended" : "");
  const p = store.redis.pipeline();
  store.activity.addTo(p, agent.id, `🔄 Recovered by tt recover (${reason})`);
  store.events.addTo(
    p,
    newEvent("agent_recovered", `${agent.name} recovered: ${reason}; ${line}`, {
      agentId: agent.id,
      oldState: stateDisplayName(agent.state),
      newState: stateDisplayName(state),
    }),
  );
  for (const t of requeued) {
    if (t.previous === t.state) continue;
    store.events.addTo(
      p,
      newEvent("task_requeued", `Task ${shortId(t.taskId)} back to assigned: ${reason}`, {
        agentId: agent.id,
        taskId: t.taskId,
        oldState: "Running",
        newState: "Assigned",
      }),
    );
  }
  await p.exec().catch(() => {}); // the recovery itself is done; its log lines are extra
  return { agent, state, reason, messages, tasks: requeued, cliEnded };
}

/**
 * The agent's running tasks go back to `assigned`; each running or assigned task without a
 * `task_assign` waiting in the agent's lists gets a fresh one (from the conductor).
 */
async function requeueTasks(
  store: Store,
  agent: Agent,
  tasks: readonly Task[],
): Promise<RequeuedTask[]> {
  const mine = tasks.filter((t) =>
    t.assignedTo === agent.id && (t.state === "running" || t.state === "assigned")
  );
  if (mine.length === 0) return [];
  const waiting = await waitingAssignments(store, agent.id);
  const out: RequeuedTask[] = [];
  for (const task of mine) {
    let state: TaskState = task.state;
    if (task.state === "running") {
      const back: Task = { ...task, state: "assigned", updatedAt: new Date() };
      const r = await store.tasks.update(back, ["state", "updatedAt"], ["running"]);
      if (r !== "written") continue; // finished or changed meanwhile: not ours to requeue
      state = "assigned";
    }
    let messageQueued = false;
    if (!waiting.has(task.id)) {
      const m = newMessage(SUPERVISOR_ID, agent.id, { type: "task_assign", taskId: task.id });
      await store.mailbox.send({ ...m, redelivered: true });
      messageQueued = true;
    }
    out.push({ taskId: task.id, previous: task.state, state, messageQueued });
  }
  return out;
}

/** Task ids of the task_assign messages waiting in the agent's inbox and urgent list. */
async function waitingAssignments(store: Store, agentId: string): Promise<Set<string>> {
  const [urgent, inbox] = (await store.redis.pipeline()
    .add("LRANGE", store.keys.urgent(agentId), 0, -1)
    .add("LRANGE", store.keys.inbox(agentId), 0, -1)
    .execOrThrow()) as [string[], string[]];
  const ids = new Set<string>();
  for (const raw of [...urgent, ...inbox]) {
    const r = decodeMessage(raw);
    if (r.ok && r.message.body.type === "task_assign") ids.add(r.message.body.taskId);
  }
  return ids;
}

/** Whether `pid` is alive and is the agent-loop of this agent (not a recycled pid). */
function isLoopProcess(pid: number, agentId: string): boolean {
  if (!isAlive(pid)) return false;
  if (Deno.build.os !== "linux") return true;
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes(agentId);
  } catch {
    return false;
  }
}

/**
 * The loop log's last line says the loop finished (it died after that, e.g. writing its
 * state). The log holds every run of the agent, each after a header line that `tt spawn` or
 * `tt restart` writes, so its last line is always the latest run's.
 */
async function endedCleanly(paths: Pick<TownPaths, "agentsDir">, name: string): Promise<boolean> {
  let file: Deno.FsFile | undefined;
  try {
    // An invalid name (a foreign record) throws: it has no log, so no clean end.
    file = await Deno.open(agentPaths(paths, name).loopLog, { read: true });
    const size = (await file.stat()).size;
    const n = Math.min(size, 4096);
    await file.seek(size - n, Deno.SeekMode.Start);
    const buf = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = await file.read(buf.subarray(got));
      if (r === null) break;
      got += r;
    }
    const lines = new TextDecoder().decode(buf.subarray(0, got)).trimEnd().split("\n");
    return lines[lines.length - 1].includes(`Agent ${name} finished (`);
  } catch {
    return false;
  } finally {
    file?.close();
  }
}
