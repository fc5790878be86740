/**
 * The JSON of mission records (spec extended §6.2): serde field order, absent optionals as
 * `null`, fields with serde defaults optional on reading, unknown fields dropped. A bad work
 * item, watch or note decodes to undefined (skipped when listing); a bad MissionRun throws.
 */
import {
  type ControlMessage,
  MISSION_STATES,
  type MissionRun,
  type ObjectiveRef,
  WATCH_ACTIONS,
  WATCH_KINDS,
  WATCH_STATUSES,
  type WatchItem,
  WORK_KINDS,
  WORK_STATUSES,
  type WorkItem,
} from "./mission.ts";

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
