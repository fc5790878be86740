/**
 * Town events: the JSON in the `data` field of the event streams. Field order is tinytown's;
 * optional fields are omitted when absent (never null).
 */
import {
  dropUndefined,
  type JsonObject,
  optEnum,
  optId,
  optString,
  parseJsonObject,
  reqEnum,
  reqString,
  reqTime,
} from "./fields.ts";
import { SPAWN_MODES, type SpawnMode } from "./agent.ts";
import { jsonTime } from "./time.ts";

/** The event types tinytown 0.10.0 knows (most are reserved and never emitted by it). */
export const REFERENCE_EVENT_TYPES = [
  "agent_state_changed",
  "agent_spawned",
  "agent_stopped",
  "task_assigned",
  "task_completed",
  "task_failed",
  "mission_state_changed",
  "mission_work_promoted",
  "mission_work_assigned",
  "mission_work_completed",
  "mission_work_blocked",
  "mission_help_needed",
  "mission_watch_triggered",
  "mission_event",
  "task_delegated",
  "agent_interrupted",
  "agent_resumed",
  "agent_completed",
  "agent_failed",
  "reviewer_handoff",
  "reviewer_approval",
  "conductor_escalation",
] as const;

/**
 * tt extensions: emitted because tt records every state change. tinytown cannot parse these
 * and skips such entries when it reads a stream, which is what it does with any bad entry.
 */
export const TT_EVENT_TYPES = [
  "message_sent",
  "message_handled",
  "agent_recovered",
  "task_reclaimed",
  "task_started",
  "task_requeued",
  "task_cancelled",
] as const;

/** Every event type tt reads and writes: tinytown's, then tt's own. */
export const EVENT_TYPES = [...REFERENCE_EVENT_TYPES, ...TT_EVENT_TYPES] as const;
/** The `event_type` of an event, snake_case (`task_completed`, `agent_spawned`, ...). */
export type EventType = typeof EVENT_TYPES[number];

export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}

/** One entry of the town's event streams (the JSON in its `data` field). */
export interface TownEvent {
  /** What happened. */
  eventType: EventType;
  /** The agent it concerns (the event is on that agent's stream too). */
  agentId?: string;
  /** The task it concerns. */
  taskId?: string;
  /** The mission it concerns. */
  missionId?: string;
  /** State names in their display form, e.g. `Idle`. */
  oldState?: string;
  /** The state after, in display form. */
  newState?: string;
  /** One line for people. */
  message: string;
  /** When it happened. */
  timestamp: Date;
  /** For spawns: the parent agent. */
  parentAgentId?: string;
  /** For spawns: the child agent. */
  childAgentId?: string;
  /** Free-form scope. */
  scope?: string;
  /** For spawns: how the agent's context began. */
  spawnMode?: SpawnMode;
}

/** The optional parts of a new event (and its time, default now). */
export type EventFields = Omit<TownEvent, "eventType" | "message" | "timestamp"> & {
  timestamp?: Date;
};

/** A new event, timestamp now unless given. */
export function newEvent(
  eventType: EventType,
  message: string,
  fields: EventFields = {},
): TownEvent {
  return dropUndefined({
    ...fields,
    eventType,
    message,
    timestamp: fields.timestamp ?? new Date(),
  });
}

/** Compact JSON, tinytown's field order, absent optionals omitted. */
export function encodeEvent(e: TownEvent): string {
  return JSON.stringify({
    event_type: e.eventType,
    agent_id: e.agentId,
    task_id: e.taskId,
    mission_id: e.missionId,
    old_state: e.oldState,
    new_state: e.newState,
    message: e.message,
    timestamp: jsonTime(e.timestamp),
    parent_agent_id: e.parentAgentId,
    child_agent_id: e.childAgentId,
    scope: e.scope,
    spawn_mode: e.spawnMode,
  }); // JSON.stringify drops the undefined ones
}

function readEvent(o: JsonObject): TownEvent {
  return dropUndefined({
    eventType: reqEnum(o, "event_type", EVENT_TYPES),
    agentId: optId(o, "agent_id"),
    taskId: optId(o, "task_id"),
    missionId: optId(o, "mission_id"),
    oldState: optString(o, "old_state"),
    newState: optString(o, "new_state"),
    message: reqString(o, "message"),
    timestamp: reqTime(o, "timestamp"),
    parentAgentId: optId(o, "parent_agent_id"),
    childAgentId: optId(o, "child_agent_id"),
    scope: optString(o, "scope"),
    spawnMode: optEnum(o, "spawn_mode", SPAWN_MODES),
  });
}

/** Reads a stream entry's `data`; undefined for anything unreadable (never throws). */
export function decodeEvent(text: string): TownEvent | undefined {
  try {
    return readEvent(parseJsonObject(text, "event"));
  } catch {
    return undefined;
  }
}

const EVENT_ICONS: Record<EventType, string> = {
  agent_spawned: "🐣",
  agent_stopped: "🏁",
  agent_completed: "🏁",
  agent_state_changed: "🔄",
  task_assigned: "📌",
  task_completed: "✅",
  task_failed: "❌",
  task_delegated: "🤝",
  reviewer_handoff: "👀",
  reviewer_approval: "✅",
  conductor_escalation: "🚨",
  agent_interrupted: "⏸️",
  agent_resumed: "▶️",
  agent_failed: "💥",
  mission_state_changed: "🎯",
  mission_event: "🎯",
  mission_work_promoted: "📋",
  mission_work_assigned: "📋",
  mission_work_completed: "📋",
  mission_work_blocked: "📋",
  mission_help_needed: "🆘",
  mission_watch_triggered: "👁️",
  message_sent: "📨",
  message_handled: "📬",
  agent_recovered: "🩹",
  task_reclaimed: "♻️",
  task_started: "🔧",
  task_requeued: "↩️",
  task_cancelled: "🚫",
};

/** The icon `tt history` shows before an event. */
export function eventIcon(type: EventType): string {
  return EVENT_ICONS[type];
}
