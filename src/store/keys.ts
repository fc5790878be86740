/**
 * Redis key names for one town. Every key is `tt:{town}:…` with the town name verbatim, as
 * tinytown writes them; the index, in-flight, lease and dead-letter keys are tt's own.
 */

import { TASK_STATES } from "../model/task.ts";

/** Escapes glob metacharacters so a town name matches only itself in KEYS/SCAN patterns. */
export function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (ch) => `\\${ch}`);
}

export interface TownKeys {
  /** `tt:{town}:` */
  readonly prefix: string;
  /** Agent record (hash). */
  agent(id: string): string;
  /** Inbox (list of message JSON). */
  inbox(id: string): string;
  /** Urgent inbox, read first each round (list). */
  urgent(id: string): string;
  /** Recent activity lines (capped list). */
  activity(id: string): string;
  /** Stop request flag (string with expiry). */
  stop(id: string): string;
  /** Task record (hash). */
  task(id: string): string;
  /** Unassigned task ids, FIFO (list). */
  readonly backlog: string;
  /** Town-wide event stream. */
  readonly events: string;
  /** Per-agent event stream. */
  agentEvents(id: string): string;
  /** Per-mission event stream. */
  missionEvents(missionId: string): string;
  /** Pub/sub channel. */
  readonly broadcast: string;
  /** tt: set of agent ids, so listing needs no keyspace scan. */
  readonly agentsIndex: string;
  /** tt: set of task ids. */
  readonly tasksIndex: string;
  /**
   * tt: the ids of the tasks in each state (sets, in TASK_STATES order), kept by every write
   * that changes a task's state: their sizes are the per-state counts and the `running` one is
   * the running-task index, so `tt status` need not read every task.
   */
  readonly taskStates: readonly string[];
  /** tt: messages an agent has taken but not finished (list). */
  inflight(id: string): string;
  /** tt: messages taken from the urgent list but not finished (list). */
  inflightUrgent(id: string): string;
  /** tinytown 0.9's opt-in docket stream of tasks (extended §7.3), read for `/api/scaling`. */
  docketTasks: string;
  /** tt: liveness lease of an agent loop. */
  lease(id: string): string;
  /** tt: messages that could not be read or delivered (list). */
  readonly deadLetters: string;
  /** tt: requests (start a loop, look again) for the loop host `pid` on machine `host` (list). */
  hostQueue(host: string, pid: number): string;
  /** Glob matching every key of this town (and nothing of another town). */
  readonly pattern: string;
  /** Glob for one kind of per-id key, e.g. `kindPattern("inbox")` -> `tt:{town}:inbox:*`. */
  kindPattern(kind: string): string;
  /** The start of every per-id key of one kind, e.g. `tt:{town}:agent:`. */
  kindPrefix(kind: string): string;
}

/**
 * The text before and after the id in a per-id key (`inflightUrgent` has text after it), for
 * scripts that build the keys of many ids themselves: `before .. id .. after`.
 */
export function idKeyParts(key: (id: string) => string): [string, string] {
  const marked = key("\u0000");
  const at = marked.indexOf("\u0000");
  return [marked.slice(0, at), marked.slice(at + 1)];
}

/**
 * Keys of tinytown versions before towns had names (`tt:agent:<id>`, `tt:backlog`), which
 * `tt migrate` moves into a town.
 */
export const LEGACY_KEYS = {
  /** Glob of one per-id family, e.g. `tt:inbox:*`. */
  kindPattern: (kind: string): string => `tt:${kind}:*`,
  backlog: "tt:backlog",
} as const;

export function townKeys(town: string): TownKeys {
  const prefix = `tt:${town}:`;
  const globPrefix = `tt:${escapeGlob(town)}:`;
  return {
    prefix,
    agent: (id) => `${prefix}agent:${id}`,
    inbox: (id) => `${prefix}inbox:${id}`,
    urgent: (id) => `${prefix}urgent:${id}`,
    activity: (id) => `${prefix}activity:${id}`,
    stop: (id) => `${prefix}stop:${id}`,
    task: (id) => `${prefix}task:${id}`,
    backlog: `${prefix}backlog`,
    events: `${prefix}events`,
    agentEvents: (id) => `${prefix}events:agent:${id}`,
    missionEvents: (missionId) => `${prefix}events:mission:${missionId}`,
    broadcast: `${prefix}broadcast`,
    agentsIndex: `${prefix}agents`,
    tasksIndex: `${prefix}tasks`,
    taskStates: TASK_STATES.map((st) => `${prefix}tasks:${st}`),
    inflight: (id) => `${prefix}inflight:${id}`,
    inflightUrgent: (id) => `${prefix}inflight:${id}:urgent`,
    docketTasks: `${prefix}docket:tasks`,
    lease: (id) => `${prefix}lease:${id}`,
    deadLetters: `${prefix}dead`,
    hostQueue: (host, pid) => `${prefix}hostq:${host}:${pid}`,
    pattern: `${globPrefix}*`,
    kindPattern: (kind) => `${globPrefix}${escapeGlob(kind)}:*`,
    kindPrefix: (kind) => `${prefix}${kind}:`,
  };
}
