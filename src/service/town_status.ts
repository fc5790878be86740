/**
 * `tt status`: one snapshot of the town, read in a fixed number of round trips
 * whatever the number of agents and tasks. The task counts and running tasks come from the
 * store's per-state sets (O(agents + running tasks)); only `--tasks`, which lists the tasks,
 * reads them all, as does a town whose sets do not cover its tasks (not migrated yet).
 */
import { hostname, loopRunsHere, type ProcessLooks } from "../agent/liveness.ts";
import { type Agent, isActiveState } from "../model/agent.ts";
import {
  classifyMessage,
  decodeMessage,
  MESSAGE_CATEGORIES,
  type MessageCategory,
} from "../model/message.ts";
import type { Task, TaskState } from "../model/task.ts";
import type { RunningTask, TaskStateSummary } from "../store/task_states.ts";
import type { TaskBrief } from "../store/tasks.ts";
import { serverState } from "../redis/server_state.ts";
import type { Store } from "../store/store.ts";
import type { Town } from "../town/town.ts";

/** Inbox entries read per agent for the category breakdown. */
const SAMPLE = 200;

export interface AgentStatus {
  agent: Agent;
  inbox: number;
  urgent: number;
  inflight: number;
  categories: Record<MessageCategory, number>;
  sampled: number;
  running: RunningTask[];
  /** The loop should be running but is not (lease expired, or its process is gone). */
  stale: boolean;
  activity?: string[];
}

export interface TownStatus {
  name: string;
  root: string;
  redisUrl: string;
  server?: { running: boolean; pid?: number };
  agents: AgentStatus[];
  /** How many tasks the town has. */
  taskTotal: number;
  /** Every task's brief, oldest first, when asked for (`tasks` option). */
  tasks?: TaskBrief[];
  /** Whole task records, when asked for (`tasks` option). */
  taskList?: Task[];
  taskCounts: Record<TaskState, number>;
  backlog: number;
  deadLetters: number;
}

/** With `tasks`, whole task records are read too (`taskList`); otherwise only briefs. */
export async function townStatus(
  town: Town,
  store: Store,
  opts: { deep?: boolean; tasks?: boolean } = {},
): Promise<TownStatus> {
  const [overview, summary, tasks, taskList, server] = await Promise.all([
    store.overview.read({ sample: SAMPLE, ...(opts.deep ? { activity: 5 } : {}) }),
    opts.tasks ? undefined : store.taskStates.summary(),
    opts.tasks ? store.tasks.listBrief() : undefined,
    opts.tasks ? store.tasks.list() : undefined,
    // The server's pid file and process are read while Redis answers.
    town.server ? serverState(town.server) : undefined,
  ]);
  const { counts: taskCounts, running: runningTasks } = summary ??
    summarize(tasks ?? await store.tasks.listBrief());
  const running = new Map<string, RunningTask[]>();
  for (const t of runningTasks) {
    const of = running.get(t.assignedTo);
    if (of) of.push(t);
    else running.set(t.assignedTo, [t]);
  }
  const leaseSecs = town.config.agent.leaseSecs;
  const now = Date.now();
  const seen: ProcessLooks = new Map();
  const statuses = overview.agents.map((n): AgentStatus => {
    const { agent } = n;
    const sample = n.inboxSample;
    const categories = emptyCategories();
    for (const raw of sample) {
      const m = decodeMessage(raw);
      if (m.ok) categories[classifyMessage(m.message.body)]++;
    }
    const status: AgentStatus = {
      agent,
      inbox: n.inbox,
      urgent: n.urgent,
      inflight: n.inflight,
      categories,
      sampled: sample.length,
      running: running.get(agent.id) ?? [],
      stale: isStale(agent, n.leaseHeld, leaseSecs, now, seen),
    };
    if (n.activity) status.activity = n.activity;
    return status;
  });
  return {
    name: town.name,
    root: town.root,
    redisUrl: town.redisUrl,
    ...(server ? { server } : {}),
    agents: statuses,
    taskTotal: Object.values(taskCounts).reduce((n, c) => n + c, 0),
    ...(tasks ? { tasks } : {}),
    ...(taskList ? { taskList } : {}),
    taskCounts,
    backlog: overview.backlog,
    deadLetters: overview.deadLetters,
  };
}

/** Counts and running tasks from every task's brief (oldest first). */
function summarize(tasks: readonly TaskBrief[]): TaskStateSummary {
  const counts = { pending: 0, assigned: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  const running: RunningTask[] = [];
  for (const t of tasks) {
    counts[t.state]++;
    if (t.state === "running" && t.assignedTo) {
      running.push({ id: t.id, assignedTo: t.assignedTo, description: t.description });
    }
  }
  return { counts, running };
}

/**
 * An agent whose loop should be alive but is not: its process is gone (when it ran on this
 * machine), or its lease has expired and its heartbeat is older than the lease.
 */
export function isStale(
  agent: Agent,
  leaseHeld: boolean,
  leaseSecs: number,
  now = Date.now(),
  seen?: ProcessLooks,
): boolean {
  if (!isActiveState(agent.state)) return false;
  // A loop on this machine is judged by its process: alive means not stale, lease or not.
  if (agent.pid && (!agent.host || agent.host === hostname())) return !loopRunsHere(agent, seen);
  if (leaseHeld) return false;
  return now - agent.lastHeartbeat.getTime() > leaseSecs * 1000;
}

const NO_MESSAGES = Object.fromEntries(MESSAGE_CATEGORIES.map((c) => [c, 0])) as Record<
  MessageCategory,
  number
>;

function emptyCategories(): Record<MessageCategory, number> {
  return { ...NO_MESSAGES };
}
