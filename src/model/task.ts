/**
 * The task record, stored as the Redis hash `tt:{town}:task:{id}` in tinytown's layout.
 * Transitions are pure: each returns a new Task with `updatedAt` set.
 */
import { TtError } from "../errors.ts";
import {
  DecodeError,
  dropUndefined,
  type HashWrite,
  type JsonObject,
  optId,
  optString,
  optTime,
  parseCounter,
  parseJsonObject,
  reqEnum,
  reqId,
  reqString,
  reqTime,
} from "./fields.ts";
import { newId, parseId } from "./ids.ts";
import { hashTime, jsonTime, parseTime } from "./time.ts";

export type { HashWrite };

/** Every task state, as stored. */
export const TASK_STATES = [
  "pending",
  "assigned",
  "running",
  "completed",
  "failed",
  "cancelled",
] as const;
/** `pending` (backlog) -> `assigned` -> `running` -> `completed`, `failed` or `cancelled`. */
export type TaskState = typeof TASK_STATES[number];

/** Older writers used `in_flight` for `running`. */
const TASK_STATE_ALIASES: Readonly<Record<string, TaskState>> = { in_flight: "running" };

/** A task record (the hash `tt:{town}:task:{id}`). */
export interface Task {
  /** The task's id (a lowercase UUID). */
  id: string;
  /** What to do. */
  description: string;
  /** Where it is in its life. */
  state: TaskState;
  /** The agent it is assigned to. */
  assignedTo?: string;
  /** When it was created. */
  createdAt: Date;
  /** When it last changed. */
  updatedAt: Date;
  /** When an agent started it. */
  startedAt?: Date;
  /** When it completed, failed or was cancelled. */
  completedAt?: Date;
  /** The result, the error, or the cancel reason. */
  result?: string;
  /** The task it is part of. */
  parentId?: string;
  /** Free-form labels (backlog offers match roles against them). */
  tags: string[];
  /**
   * tt only (hash field `unfinished_rounds`, which tinytown ignores): rounds of its agent that
   * ended well but left this task open, without `tt task complete` or `tt task fail`.
   */
  unfinishedRounds?: number;
}

/** Exact lowercase value or the `in_flight` alias; anything else is undefined. */
export function parseTaskState(s: string): TaskState | undefined {
  if ((TASK_STATES as readonly string[]).includes(s)) return s as TaskState;
  return Object.hasOwn(TASK_STATE_ALIASES, s) ? TASK_STATE_ALIASES[s] : undefined;
}

/** Completed, failed or cancelled: the task is over. */
export function isTaskTerminal(state: TaskState): boolean {
  return state === "completed" || state === "failed" || state === "cancelled";
}

/** The Rust variant name (`Pending`, `Running`, …). */
export function taskStateDisplayName(state: TaskState): string {
  return state.charAt(0).toUpperCase() + state.slice(1);
}

const TASK_ICONS: Record<TaskState, string> = {
  pending: "⏳",
  assigned: "📌",
  running: "🔄",
  completed: "✅",
  failed: "❌",
  cancelled: "🚫",
};

export function taskStateIcon(state: TaskState): string {
  return TASK_ICONS[state];
}

/** Optional parts of a new task. */
export interface NewTaskOptions {
  /** Default: a new random id. */
  id?: string;
  /** Labels. */
  tags?: string[];
  /** The parent task's id. */
  parentId?: string;
  /** The timestamps' time; default now. */
  now?: Date;
}

/** A new task: `pending`, unassigned, both timestamps now. */
export function newTask(description: string, opts: NewTaskOptions = {}): Task {
  const now = opts.now ?? new Date();
  return dropUndefined({
    id: opts.id ?? newId(),
    description,
    state: "pending" as TaskState,
    createdAt: now,
    updatedAt: now,
    parentId: opts.parentId,
    tags: [...(opts.tags ?? [])],
  });
}

/** The task `assigned` to the agent (a new value; nothing is saved). */
export function assignTask(task: Task, agentId: string, now: Date = new Date()): Task {
  return { ...task, assignedTo: agentId, state: "assigned", updatedAt: now };
}

/** The task `running`, started now. */
export function startTask(task: Task, now: Date = new Date()): Task {
  return { ...task, state: "running", startedAt: now, updatedAt: now };
}

/** The task `completed` with `result`. */
export function completeTask(task: Task, result: string, now: Date = new Date()): Task {
  return { ...task, state: "completed", result, completedAt: now, updatedAt: now };
}

/** The task `failed`, `error` kept as its result. */
export function failTask(task: Task, error: string, now: Date = new Date()): Task {
  return { ...task, state: "failed", result: error, completedAt: now, updatedAt: now };
}

/** The task `cancelled`, `reason` kept as its result. */
export function cancelTask(task: Task, reason: string, now: Date = new Date()): Task {
  return { ...task, state: "cancelled", result: reason, completedAt: now, updatedAt: now };
}

/** Back to `pending`, unassigned and not started; `result`/`completedAt` are kept. */
export function requeueTask(task: Task, now: Date = new Date()): Task {
  const { assignedTo: _assignedTo, startedAt: _startedAt, ...rest } = task;
  return { ...rest, state: "pending", updatedAt: now };
}

/** The hash form; absent optional fields are listed in `del`. */
export function taskToHash(task: Task): HashWrite {
  const set: Record<string, string> = {
    id: task.id,
    description: task.description,
    state: task.state,
    created_at: hashTime(task.createdAt),
    updated_at: hashTime(task.updatedAt),
    tags: JSON.stringify(task.tags),
  };
  const del: string[] = [];
  const optional: [string, string | undefined][] = [
    ["assigned_to", task.assignedTo],
    ["started_at", task.startedAt && hashTime(task.startedAt)],
    ["completed_at", task.completedAt && hashTime(task.completedAt)],
    ["result", task.result],
    ["parent_id", task.parentId],
    ["unfinished_rounds", task.unfinishedRounds?.toString()],
  ];
  for (const [field, value] of optional) {
    if (value === undefined) del.push(field);
    else set[field] = value;
  }
  return { set, del };
}

function parseTags(s: string | undefined): string[] {
  if (s === undefined) return [];
  try {
    const v: unknown = JSON.parse(s);
    if (Array.isArray(v) && v.every((t) => typeof t === "string")) return v;
  } catch {
    // tinytown reads unparsable tags as no tags
  }
  return [];
}

/**
 * Reads an `HGETALL` result: empty -> undefined; missing or bad `id` -> TtError; unknown state
 * -> `pending`; bad `created_at`/`updated_at` -> now; bad optional values -> absent; bad
 * `tags` -> `[]`.
 */
export function taskFromHash(h: Record<string, string>, now = new Date()): Task | undefined {
  if (Object.keys(h).length === 0) return undefined;
  if (h.id === undefined) throw new TtError("task record has no id field");
  const id = parseId(h.id);
  if (id === undefined) throw new TtError(`task record has an invalid id: '${h.id}'`);
  return dropUndefined({
    id,
    description: h.description ?? "",
    state: (h.state === undefined ? undefined : parseTaskState(h.state)) ?? "pending",
    assignedTo: h.assigned_to === undefined ? undefined : parseId(h.assigned_to),
    createdAt: parseTime(h.created_at) ?? now,
    updatedAt: parseTime(h.updated_at) ?? now,
    startedAt: parseTime(h.started_at),
    completedAt: parseTime(h.completed_at),
    result: h.result,
    parentId: h.parent_id === undefined ? undefined : parseId(h.parent_id),
    tags: parseTags(h.tags),
    unfinishedRounds: parseCounter(h.unfinished_rounds),
  });
}

/** The serde JSON form: tinytown's field order, `null` for absent options, `Z` timestamps. */
export function taskToJson(task: Task): string {
  return JSON.stringify({
    id: task.id,
    description: task.description,
    state: task.state,
    assigned_to: task.assignedTo ?? null,
    created_at: jsonTime(task.createdAt),
    updated_at: jsonTime(task.updatedAt),
    started_at: task.startedAt ? jsonTime(task.startedAt) : null,
    completed_at: task.completedAt ? jsonTime(task.completedAt) : null,
    result: task.result ?? null,
    parent_id: task.parentId ?? null,
    tags: task.tags,
  });
}

function readTags(o: JsonObject): string[] {
  const v = o.tags;
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((t) => typeof t === "string")) {
    throw new DecodeError("field 'tags' is not a list of strings");
  }
  return [...v];
}

/** Reads the serde JSON form with serde's rules. Throws TtError on bad input. */
export function taskFromJson(input: string | JsonObject): Task {
  try {
    const o = typeof input === "string" ? parseJsonObject(input, "task JSON") : input;
    return dropUndefined({
      id: reqId(o, "id"),
      description: reqString(o, "description"),
      state: reqEnum(o, "state", TASK_STATES, TASK_STATE_ALIASES),
      assignedTo: optId(o, "assigned_to"),
      createdAt: reqTime(o, "created_at"),
      updatedAt: reqTime(o, "updated_at"),
      startedAt: optTime(o, "started_at"),
      completedAt: optTime(o, "completed_at"),
      result: optString(o, "result"),
      parentId: optId(o, "parent_id"),
      tags: readTags(o),
    });
  } catch (err) {
    if (err instanceof DecodeError) throw new TtError(`bad task record: ${err.message}`);
    throw err;
  }
}
