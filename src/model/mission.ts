/**
 * Mission records as tinytown stores them (spec extended §6.2): MissionRun, WorkItem,
 * WatchItem and control notes, each one compact JSON value in serde field order with absent
 * optionals as `null`, so a mission is readable by either tool. Transitions are pure: each
 * returns a new record with `updated_at` touched where the reference touches it.
 */
import { newId } from "./ids.ts";
import { jsonTime } from "./time.ts";

export const MISSION_STATES = ["planning", "running", "blocked", "completed", "failed"] as const;
export type MissionState = typeof MISSION_STATES[number];
export const WORK_KINDS = [
  "design",
  "implement",
  "test",
  "review",
  "mergegate",
  "followup",
] as const;
export type WorkKind = typeof WORK_KINDS[number];
export const WORK_STATUSES = [
  "pending",
  "ready",
  "assigned",
  "running",
  "blocked",
  "done",
] as const;
export type WorkStatus = typeof WORK_STATUSES[number];
export const WATCH_KINDS = [
  "pr_checks",
  "bugbot_comments",
  "review_comments",
  "mergeability",
] as const;
export type WatchKind = typeof WATCH_KINDS[number];
export const WATCH_STATUSES = ["active", "snoozed", "done"] as const;
export type WatchStatus = typeof WATCH_STATUSES[number];
export const WATCH_ACTIONS = ["create_fix_task", "notify_reviewer", "advance_pipeline"] as const;
export type WatchAction = typeof WATCH_ACTIONS[number];

/** An objective: a GitHub issue or a document path. */
export type ObjectiveRef =
  | { type: "issue"; owner: string; repo: string; number: number }
  | { type: "doc"; path: string };

export function objectiveText(o: ObjectiveRef): string {
  return o.type === "issue" ? `${o.owner}/${o.repo}#${o.number}` : o.path;
}

export interface MissionPolicy {
  max_parallel_items: number;
  reviewer_required: boolean;
  /** Stored and shown, never acted on (as in the reference). */
  auto_merge: boolean;
  watch_interval_secs: number;
}

export const DEFAULT_POLICY: MissionPolicy = {
  max_parallel_items: 2,
  reviewer_required: true,
  auto_merge: false,
  watch_interval_secs: 180,
};

/** `tt:{town}:mission:{id}` (a JSON string). Timestamps are RFC 3339 strings with `Z`. */
export interface MissionRun {
  id: string;
  objective_refs: ObjectiveRef[];
  state: MissionState;
  policy: MissionPolicy;
  created_at: string;
  updated_at: string;
  next_wake_at: string | null;
  blocked_reason: string | null;
  dispatcher_last_tick_at: string | null;
  dispatcher_last_progress_at: string | null;
  dispatcher_last_help_request_at: string | null;
  dispatcher_last_help_request_reason: string | null;
  dispatcher_help_request_attempts: number;
}

export interface WorkItem {
  id: string;
  mission_id: string;
  title: string;
  kind: WorkKind;
  depends_on: string[];
  owner_role: string | null;
  status: WorkStatus;
  assigned_to: string | null;
  artifact_refs: string[];
  reviewer_approved: boolean;
  source_ref: string | null;
  created_at: string;
  updated_at: string;
}

export interface WatchItem {
  id: string;
  mission_id: string;
  work_item_id: string;
  kind: WatchKind;
  target_ref: string;
  interval_secs: number;
  next_due_at: string;
  status: WatchStatus;
  on_trigger: WatchAction;
  last_check_at: string | null;
  consecutive_failures: number;
}

export interface ControlMessage {
  id: string;
  mission_id: string;
  sender: string;
  body: string;
  created_at: string;
  processed_at: string | null;
}

const now = () => jsonTime(new Date());
const plus = (secs: number, from = new Date()) => jsonTime(new Date(from.getTime() + secs * 1000));

export function isMissionTerminal(s: MissionState): boolean {
  return s === "completed" || s === "failed";
}

/** Rust Debug name of an enum value: `merge_gate`/`mergegate` -> `MergeGate`, `pr_checks` -> `PrChecks`. */
export function debugName(value: string): string {
  if (value === "mergegate") return "MergeGate";
  return value.split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}

export function newMission(objectives: ObjectiveRef[], policy: MissionPolicy): MissionRun {
  const t = now();
  return {
    id: newId(),
    objective_refs: objectives,
    state: "planning",
    policy,
    created_at: t,
    updated_at: t,
    next_wake_at: null,
    blocked_reason: null,
    dispatcher_last_tick_at: null,
    dispatcher_last_progress_at: null,
    dispatcher_last_help_request_at: null,
    dispatcher_last_help_request_reason: null,
    dispatcher_help_request_attempts: 0,
  };
}

export const startMission = (m: MissionRun): MissionRun => ({
  ...m,
  state: "running",
  next_wake_at: null,
  blocked_reason: null,
  updated_at: now(),
});
export const blockMission = (m: MissionRun, reason: string): MissionRun => ({
  ...m,
  state: "blocked",
  blocked_reason: reason,
  updated_at: now(),
});
export const completeMission = (m: MissionRun): MissionRun => ({
  ...m,
  state: "completed",
  next_wake_at: null,
  blocked_reason: null,
  updated_at: now(),
});
export const failMission = (m: MissionRun, reason: string): MissionRun => ({
  ...m,
  state: "failed",
  blocked_reason: reason,
  next_wake_at: null,
  updated_at: now(),
});
export const recordDispatchTick = (m: MissionRun): MissionRun => ({
  ...m,
  dispatcher_last_tick_at: now(),
});
export function recordDispatchProgress(m: MissionRun): MissionRun {
  const t = now();
  return {
    ...m,
    dispatcher_last_tick_at: t,
    dispatcher_last_progress_at: t,
    dispatcher_help_request_attempts: 0,
  };
}
export function recordHelpRequest(m: MissionRun, reason: string, changed: boolean): MissionRun {
  return {
    ...m,
    dispatcher_last_help_request_at: now(),
    dispatcher_last_help_request_reason: reason,
    dispatcher_help_request_attempts: changed
      ? 1
      : Math.min(m.dispatcher_help_request_attempts + 1, 4294967295),
  };
}
export const clearHelpRequestState = (m: MissionRun): MissionRun => ({
  ...m,
  dispatcher_last_help_request_at: null,
  dispatcher_last_help_request_reason: null,
  dispatcher_help_request_attempts: 0,
});

export interface NewWorkItem {
  title: string;
  kind?: WorkKind;
  depends_on?: string[];
  owner_role?: string | null;
  source_ref?: string | null;
}

export function newWorkItem(missionId: string, w: NewWorkItem): WorkItem {
  const t = now();
  return {
    id: newId(),
    mission_id: missionId,
    title: w.title,
    kind: w.kind ?? "implement",
    depends_on: w.depends_on ?? [],
    owner_role: w.owner_role ?? null,
    status: "pending",
    assigned_to: null,
    artifact_refs: [],
    reviewer_approved: false,
    source_ref: w.source_ref ?? null,
    created_at: t,
    updated_at: t,
  };
}

const touch = <T extends WorkItem>(w: T, patch: Partial<WorkItem>): WorkItem => ({
  ...w,
  ...patch,
  updated_at: now(),
});
export const markReady = (w: WorkItem) => touch(w, { status: "ready" });
export const assignItem = (w: WorkItem, agentId: string) =>
  touch(w, { status: "assigned", assigned_to: agentId, reviewer_approved: false });
export const blockItem = (w: WorkItem) => touch(w, { status: "blocked" });
export const completeItem = (w: WorkItem, artifacts: string[] = []) =>
  touch(w, { status: "done", artifact_refs: [...w.artifact_refs, ...artifacts] });
export const recordArtifacts = (w: WorkItem, artifacts: string[]) =>
  touch(w, { artifact_refs: [...w.artifact_refs, ...artifacts] });

export function newWatch(
  item: WorkItem,
  kind: WatchKind,
  target: string,
  action: WatchAction,
  intervalSecs: number,
): WatchItem {
  return {
    id: newId(),
    mission_id: item.mission_id,
    work_item_id: item.id,
    kind,
    target_ref: target,
    interval_secs: intervalSecs,
    next_due_at: now(),
    status: "active",
    on_trigger: action,
    last_check_at: null,
    consecutive_failures: 0,
  };
}

export function isWatchDue(w: WatchItem, at = new Date()): boolean {
  return (w.status === "active" || w.status === "snoozed") &&
    at.getTime() >= Date.parse(w.next_due_at);
}
export const recordCheck = (w: WatchItem): WatchItem => ({
  ...w,
  status: "active",
  last_check_at: now(),
  next_due_at: plus(w.interval_secs),
  consecutive_failures: 0,
});
export function recordWatchFailure(w: WatchItem): WatchItem {
  const failures = w.consecutive_failures + 1;
  const backoff = failures === 1 ? 60 : failures === 2 ? 120 : 300;
  return {
    ...w,
    status: "active",
    last_check_at: now(),
    consecutive_failures: failures,
    next_due_at: plus(backoff),
  };
}
export const snoozeWatch = (w: WatchItem, secs: number): WatchItem => ({
  ...w,
  status: "snoozed",
  next_due_at: plus(secs),
});
export const completeWatch = (w: WatchItem): WatchItem => ({ ...w, status: "done" });

export function newControlMessage(missionId: string, sender: string, body: string): ControlMessage {
  return {
    id: newId(),
    mission_id: missionId,
    sender,
    body,
    created_at: now(),
    processed_at: null,
  };
}

// ---- JSON: serde field order, unknown fields dropped, bad records rejected ----

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string): string => {
  if (typeof o[k] !== "string") throw new Error(`field ${k} must be a string`);
  return o[k] as string;
};
const optStr = (o: Obj, k: string): string | null => {
  if (o[k] === undefined || o[k] === null) return null;
  return str(o, k);
};
const num = (o: Obj, k: string, dflt?: number): number => {
  const v = o[k] ?? dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new Error(`field ${k} must be a non-negative integer`);
  }
  return v;
};
const bool = (o: Obj, k: string, dflt?: boolean): boolean => {
  const v = o[k] ?? dflt;
  if (typeof v !== "boolean") throw new Error(`field ${k} must be a boolean`);
  return v;
};
function oneOf<T extends string>(all: readonly T[], o: Obj, k: string, dflt?: T): T {
  const v = o[k] ?? dflt;
  if (!all.includes(v as T)) throw new Error(`field ${k} has an unknown value`);
  return v as T;
}
const strArray = (o: Obj, k: string): string[] => {
  const v = o[k] ?? [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw new Error(`field ${k} must be a string array`);
  }
  return v as string[];
};
function parseObj(text: string): Obj {
  const v = JSON.parse(text);
  if (!isObj(v)) throw new Error("not a JSON object");
  return v;
}

function objective(v: unknown): ObjectiveRef {
  if (!isObj(v)) throw new Error("objective must be an object");
  if (v.type === "issue") {
    return {
      type: "issue",
      owner: str(v, "owner"),
      repo: str(v, "repo"),
      number: num(v, "number"),
    };
  }
  if (v.type === "doc") return { type: "doc", path: str(v, "path") };
  throw new Error("objective type must be issue or doc");
}

/** Parses a MissionRun; throws on a bad record (the reference's `get` fails too). */
export function decodeMission(text: string): MissionRun {
  const o = parseObj(text);
  if (!isObj(o.policy)) throw new Error("field policy must be an object");
  if (!Array.isArray(o.objective_refs)) throw new Error("field objective_refs must be an array");
  const p = o.policy;
  return {
    id: str(o, "id"),
    objective_refs: o.objective_refs.map(objective),
    state: oneOf(MISSION_STATES, o, "state", "planning"),
    policy: {
      max_parallel_items: num(p, "max_parallel_items"),
      reviewer_required: bool(p, "reviewer_required"),
      auto_merge: bool(p, "auto_merge"),
      watch_interval_secs: num(p, "watch_interval_secs"),
    },
    created_at: str(o, "created_at"),
    updated_at: str(o, "updated_at"),
    next_wake_at: optStr(o, "next_wake_at"),
    blocked_reason: optStr(o, "blocked_reason"),
    dispatcher_last_tick_at: optStr(o, "dispatcher_last_tick_at"),
    dispatcher_last_progress_at: optStr(o, "dispatcher_last_progress_at"),
    dispatcher_last_help_request_at: optStr(o, "dispatcher_last_help_request_at"),
    dispatcher_last_help_request_reason: optStr(o, "dispatcher_last_help_request_reason"),
    dispatcher_help_request_attempts: num(o, "dispatcher_help_request_attempts", 0),
  };
}

export function encodeMission(m: MissionRun): string {
  return JSON.stringify({
    id: m.id,
    objective_refs: m.objective_refs.map((r) =>
      r.type === "issue"
        ? { type: "issue", owner: r.owner, repo: r.repo, number: r.number }
        : { type: "doc", path: r.path }
    ),
    state: m.state,
    policy: {
      max_parallel_items: m.policy.max_parallel_items,
      reviewer_required: m.policy.reviewer_required,
      auto_merge: m.policy.auto_merge,
      watch_interval_secs: m.policy.watch_interval_secs,
    },
    created_at: m.created_at,
    updated_at: m.updated_at,
    next_wake_at: m.next_wake_at,
    blocked_reason: m.blocked_reason,
    dispatcher_last_tick_at: m.dispatcher_last_tick_at,
    dispatcher_last_progress_at: m.dispatcher_last_progress_at,
    dispatcher_last_help_request_at: m.dispatcher_last_help_request_at,
    dispatcher_last_help_request_reason: m.dispatcher_last_help_request_reason,
    dispatcher_help_request_attempts: m.dispatcher_help_request_attempts,
  });
}

/** Parses a WorkItem; undefined for an unparsable value (skipped when listing). */
export function decodeWorkItem(text: string): WorkItem | undefined {
  try {
    const o = parseObj(text);
    return {
      id: str(o, "id"),
      mission_id: str(o, "mission_id"),
      title: str(o, "title"),
      kind: oneOf(WORK_KINDS, o, "kind", "implement"),
      depends_on: strArray(o, "depends_on"),
      owner_role: optStr(o, "owner_role"),
      status: oneOf(WORK_STATUSES, o, "status", "pending"),
      assigned_to: optStr(o, "assigned_to"),
      artifact_refs: strArray(o, "artifact_refs"),
      reviewer_approved: bool(o, "reviewer_approved", false),
      source_ref: optStr(o, "source_ref"),
      created_at: str(o, "created_at"),
      updated_at: str(o, "updated_at"),
    };
  } catch {
    return undefined;
  }
}

export function encodeWorkItem(w: WorkItem): string {
  return JSON.stringify({
    id: w.id,
    mission_id: w.mission_id,
    title: w.title,
    kind: w.kind,
    depends_on: w.depends_on,
    owner_role: w.owner_role,
    status: w.status,
    assigned_to: w.assigned_to,
    artifact_refs: w.artifact_refs,
    reviewer_approved: w.reviewer_approved,
    source_ref: w.source_ref,
    created_at: w.created_at,
    updated_at: w.updated_at,
  });
}

export function decodeWatch(text: string): WatchItem | undefined {
  try {
    const o = parseObj(text);
    return {
      id: str(o, "id"),
      mission_id: str(o, "mission_id"),
      work_item_id: str(o, "work_item_id"),
      kind: oneOf(WATCH_KINDS, o, "kind", "pr_checks"),
      target_ref: str(o, "target_ref"),
      interval_secs: num(o, "interval_secs"),
      next_due_at: str(o, "next_due_at"),
      status: oneOf(WATCH_STATUSES, o, "status", "active"),
      on_trigger: oneOf(WATCH_ACTIONS, o, "on_trigger", "create_fix_task"),
      last_check_at: optStr(o, "last_check_at"),
      consecutive_failures: num(o, "consecutive_failures", 0),
    };
  } catch {
    return undefined;
  }
}

export function encodeWatch(w: WatchItem): string {
  return JSON.stringify({
    id: w.id,
    mission_id: w.mission_id,
    work_item_id: w.work_item_id,
    kind: w.kind,
    target_ref: w.target_ref,
    interval_secs: w.interval_secs,
    next_due_at: w.next_due_at,
    status: w.status,
    on_trigger: w.on_trigger,
    last_check_at: w.last_check_at,
    consecutive_failures: w.consecutive_failures,
  });
}

export function decodeControl(text: string): ControlMessage | undefined {
  try {
    const o = parseObj(text);
    return {
      id: str(o, "id"),
      mission_id: str(o, "mission_id"),
      sender: str(o, "sender"),
      body: str(o, "body"),
      created_at: str(o, "created_at"),
      processed_at: optStr(o, "processed_at"),
    };
  } catch {
    return undefined;
  }
}

export function encodeControl(c: ControlMessage): string {
  return JSON.stringify({
    id: c.id,
    mission_id: c.mission_id,
    sender: c.sender,
    body: c.body,
    created_at: c.created_at,
    processed_at: c.processed_at,
  });
}
