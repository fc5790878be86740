/**
 * WorkloadService: how much work the town has and who holds it, for the faces' probes —
 * pending tasks in inboxes (REST `/v1/tasks/pending`, MCP `task.list_pending`), Prometheus
 * metrics (`/metrics`) and the autoscaler signal (`/api/scaling`, extended §7.2). Reads only.
 */
import { type Agent, isActiveState } from "../model/agent.ts";
import type { TownContext } from "./context.ts";

/** A task waiting in an agent's regular inbox. */
export interface PendingTask {
  agentId: string;
  agentName: string;
  description: string;
  /** The task's id; for a free-text task message, the message's id. */
  taskId: string;
}

/** Task messages in the first 100 regular inbox entries of every agent. */
export async function pendingTasks(ctx: TownContext): Promise<PendingTask[]> {
  const { store } = ctx;
  return await pendingOf(ctx, await store.agents.list());
}

async function pendingOf(ctx: TownContext, agents: Agent[]): Promise<PendingTask[]> {
  const { store } = ctx;
  const peeks = await Promise.all(agents.map((a) => store.mailbox.peek(a.id, 100)));
  const ids = peeks.flatMap((p) =>
    p.messages.flatMap((m) => (m.body.type === "task_assign" ? [m.body.taskId] : []))
  );
  const tasks = new Map((await store.tasks.getMany(ids)).flatMap((t) => (t ? [[t.id, t]] : [])));
  const out: PendingTask[] = [];
  agents.forEach((agent, i) => {
    for (const m of peeks[i].messages) {
      const base = { agentId: agent.id, agentName: agent.name };
      if (m.body.type === "task_assign") {
        const t = tasks.get(m.body.taskId);
        if (t) out.push({ ...base, description: t.description, taskId: t.id });
      } else if (m.body.type === "task") {
        out.push({ ...base, description: m.body.description, taskId: m.id });
      }
    }
  });
  return out;
}

/** The numbers behind `/metrics` (townhall.md §3.2). */
export interface TownMetrics {
  /** Agents per state (only states that have agents). */
  agentsByState: Record<string, number>;
  /** Backlog length + pending inbox tasks. */
  tasksPending: number;
  /** Task records in state `completed`. */
  tasksCompleted: number;
  /** Missions in the active set. */
  missionsActive: number;
  /** PING round trip, seconds. */
  redisLatencySeconds: number;
  backlogTasks: number;
  tasksAssignedPending: number;
  urgentMessages: number;
}

/** Reads every metric; rejects when Redis fails. */
export async function metrics(ctx: TownContext): Promise<TownMetrics> {
  const { store } = ctx;
  const redisLatencySeconds = (await store.connections.ping()) / 1000;
  const [agents, backlogTasks, briefs, activeMissions] = await Promise.all([
    store.agents.list(),
    store.tasks.backlogLength(),
    store.tasks.listBrief(),
    store.missions.activeIds(),
  ]);
  const [pending, counts] = await Promise.all([
    pendingOf(ctx, agents),
    store.mailbox.counts(agents.map((a) => a.id)),
  ]);
  const agentsByState: Record<string, number> = {};
  for (const a of agents) agentsByState[a.state] = (agentsByState[a.state] ?? 0) + 1;
  let urgentMessages = 0;
  for (const c of counts.values()) urgentMessages += c.urgent;
  return {
    agentsByState,
    tasksPending: backlogTasks + pending.length,
    tasksCompleted: briefs.filter((t) => t.state === "completed").length,
    missionsActive: activeMissions.length,
    redisLatencySeconds,
    backlogTasks,
    tasksAssignedPending: pending.length,
    urgentMessages,
  };
}

/** The autoscaler signal of `/api/scaling` (extended §7.2). */
export interface ScalingSignal {
  town: string;
  timestamp: string;
  queue_depth: number;
  pending_tasks: number;
  in_flight_tasks: number;
  active_agents: number;
  cold_agents: number;
  desired_agents: number;
  max_agents: number;
  scaling_recommendation: "scale_up" | "steady" | "scale_down" | "scale_to_zero";
}

/** Computes the scaling signal; rejects when Redis fails. */
export async function scaling(ctx: TownContext, now = new Date()): Promise<ScalingSignal> {
  const { store, open } = ctx;
  const agents = await store.agents.list().catch(() => [] as Agent[]);
  let pending: number;
  let inFlight: number;
  if (open.config.useStreams) {
    ({ pending, inFlight } = await store.docket.depth());
  } else {
    const [backlog, inboxes, briefs] = await Promise.all([
      store.tasks.backlogLength(),
      pendingOf(ctx, agents),
      store.tasks.listBrief(),
    ]);
    pending = backlog + inboxes.length;
    const held = new Set(briefs.filter((t) => t.state === "running").map((t) => t.id));
    for (const a of agents) if (isActiveState(a.state) && a.currentTask) held.add(a.currentTask);
    inFlight = held.size;
  }
  const active = agents.filter((a) => isActiveState(a.state));
  const cold = agents.filter((a) => a.state === "cold").length;
  const max = open.config.maxAgents;
  const desired = Math.min(pending + inFlight, max);
  const idleSecs = open.config.agent.idleTimeoutSecs;
  const allIdle = idleSecs === 0
    ? active.length === 0
    : active.every((a) =>
      a.state === "idle" && now.getTime() - a.lastActiveAt.getTime() >= idleSecs * 1000
    );
  const recommendation = desired === 0 && pending === 0 && inFlight === 0 && allIdle
    ? "scale_to_zero"
    : desired > active.length
    ? "scale_up"
    : desired < active.length && pending === 0
    ? "scale_down"
    : "steady";
  return {
    town: open.name,
    timestamp: now.toISOString().replace(/Z$/, "+00:00"),
    queue_depth: pending + inFlight,
    pending_tasks: pending,
    in_flight_tasks: inFlight,
    active_agents: active.length,
    cold_agents: cold,
    desired_agents: desired,
    max_agents: max,
    scaling_recommendation: recommendation,
  };
}

/**
 * The mission dispatcher as `/ready` reports it: `idle` with no open mission, else `running`
 * when an open mission was ticked in the last 90 s, else `stalled`. A read error counts as no
 * missions.
 */
export async function dispatcherStatus(
  ctx: TownContext,
  now = Date.now(),
): Promise<"idle" | "running" | "stalled"> {
  const { store } = ctx;
  const all = await store.missions.getMany(await store.missions.allIds()).catch(() => []);
  const open = all.filter((m) => m.state !== "completed" && m.state !== "failed");
  if (open.length === 0) return "idle";
  const recent = open.some((m) =>
    m.dispatcher_last_tick_at && now - Date.parse(m.dispatcher_last_tick_at) <= 90_000
  );
  return recent ? "running" : "stalled";
}
