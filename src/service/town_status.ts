/**
 * `tt status`: one snapshot of the town, read in a fixed number of pipelined round trips
 * whatever the number of agents and tasks.
 */
import { hostname, loopRunsHere } from "../agent/liveness.ts";
import { type Agent, isActiveState } from "../model/agent.ts";
import {
  classifyMessage,
  decodeMessage,
  MESSAGE_CATEGORIES,
  type MessageCategory,
} from "../model/message.ts";
import type { Task, TaskState } from "../model/task.ts";
import type { TaskBrief } from "../store/tasks.ts";
import { serverState } from "../redis/server.ts";
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
  running: TaskBrief[];
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
  tasks: TaskBrief[];
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
  const [agents, tasks, taskList] = await Promise.all([
    store.agents.list(),
    store.tasks.listBrief(),
    opts.tasks ? store.tasks.list() : undefined,
  ]);
  const ids = agents.map((a) => a.id);
  const p = store.redis.pipeline();
  for (const id of ids) {
    p.add("LLEN", store.keys.inbox(id)).add("LLEN", store.keys.urgent(id))
      .add("LLEN", store.keys.inflight(id)).add("LLEN", store.mailbox.inflightUrgent(id))
      .add("EXISTS", store.keys.lease(id)).add("LRANGE", store.keys.inbox(id), 0, SAMPLE - 1);
    if (opts.deep) p.add("LRANGE", store.keys.activity(id), 0, 4);
  }
  p.add("LLEN", store.keys.backlog).add("LLEN", store.keys.deadLetters);
  const replies = await p.execOrThrow();
  const per = opts.deep ? 7 : 6;
  const running = new Map<string, TaskBrief[]>();
  for (const t of tasks) {
    if (t.state === "running" && t.assignedTo) {
      running.set(t.assignedTo, [...(running.get(t.assignedTo) ?? []), t]);
    }
  }
  const leaseSecs = town.config.agent.leaseSecs;
  const now = Date.now();
  const statuses = agents.map((agent, i): AgentStatus => {
    const r = replies.slice(i * per, (i + 1) * per);
    const sample = r[5] as string[];
    const categories = emptyCategories();
    for (const raw of sample) {
      const m = decodeMessage(raw);
      if (m.ok) categories[classifyMessage(m.message.body)]++;
    }
    return {
      agent,
      inbox: r[0] as number,
      urgent: r[1] as number,
      inflight: (r[2] as number) + (r[3] as number),
      categories,
      sampled: sample.length,
      running: running.get(agent.id) ?? [],
      stale: isStale(agent, r[4] === 1, leaseSecs, now),
      ...(opts.deep ? { activity: r[6] as string[] } : {}),
    };
  });
  const taskCounts = { pending: 0, assigned: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const t of tasks) taskCounts[t.state]++;
  return {
    name: town.name,
    root: town.root,
    redisUrl: town.redisUrl,
    ...(town.server ? { server: await serverState(town.server) } : {}),
    agents: statuses,
    tasks,
    ...(taskList ? { taskList } : {}),
    taskCounts,
    backlog: replies[replies.length - 2] as number,
    deadLetters: replies[replies.length - 1] as number,
  };
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
): boolean {
  if (!isActiveState(agent.state)) return false;
  // A loop on this machine is judged by its process: alive means not stale, lease or not.
  if (agent.pid && (!agent.host || agent.host === hostname())) return !loopRunsHere(agent);
  if (leaseHeld) return false;
  return now - agent.lastHeartbeat.getTime() > leaseSecs * 1000;
}

function emptyCategories(): Record<MessageCategory, number> {
  return Object.fromEntries(MESSAGE_CATEGORIES.map((c) => [c, 0])) as Record<
    MessageCategory,
    number
  >;
}
