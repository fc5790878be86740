/** The human and JSON forms of missions for `tt mission status|list`. */
import { shortId } from "../model/ids.ts";
import {
  debugName,
  type MissionRun,
  type MissionState,
  objectiveText,
  type WatchItem,
  type WatchStatus,
  type WorkItem,
  type WorkStatus,
} from "../model/mission.ts";
import { taskToJson } from "../model/task.ts";
import type { MissionStatus } from "../mission/service.ts";

const STATE_EMOJI: Record<MissionState, string> = {
  planning: "📝",
  running: "🚀",
  blocked: "🚧",
  completed: "✅",
  failed: "❌",
};
const WORK_EMOJI: Record<WorkStatus, string> = {
  pending: "⏳",
  ready: "🔵",
  assigned: "📌",
  running: "🔄",
  blocked: "🚧",
  done: "✅",
};
const WATCH_EMOJI: Record<WatchStatus, string> = { active: "🟢", snoozed: "😴", done: "✅" };

const utc = (t: string) =>
  new Date(Date.parse(t)).toISOString().slice(0, 19).replace("T", " ") + " UTC";

function age(created: string, now = Date.now()): string {
  const secs = Math.max(0, (now - Date.parse(created)) / 1000);
  if (secs > 86400) return `${Math.floor(secs / 86400)}d ago`;
  if (secs >= 3600) return `${Math.floor(secs / 3600)}h ago`;
  return `${Math.floor(secs / 60)}m ago`;
}

function objectivesLine(m: MissionRun): string {
  const texts = m.objective_refs.map(objectiveText);
  const more = texts.length > 2 ? ` +${texts.length - 2} more` : "";
  return texts.slice(0, 2).join(", ") + more;
}

export function summaryLines(m: MissionRun): string[] {
  return [
    `   ${STATE_EMOJI[m.state]} ${shortId(m.id)} (${debugName(m.state)}) - ${objectivesLine(m)} - ${
      age(m.created_at)
    }`,
    ...(m.blocked_reason ? [`      └─ Blocked: ${m.blocked_reason}`] : []),
  ];
}

export interface DetailFlags {
  work?: boolean;
  watch?: boolean;
  dispatcher?: boolean;
}

function itemLines(items: WorkItem[], full: boolean): string[] {
  if (full || items.length <= 5) {
    return items.flatMap((w) => [
      `   ${WORK_EMOJI[w.status]} ${w.title} (${debugName(w.kind)}) - ${debugName(w.status)}`,
      ...(w.assigned_to ? [`      └─ Assigned to: ${w.assigned_to}`] : []),
      ...(w.reviewer_approved ? ["      └─ Reviewer approved"] : []),
    ]);
  }
  const n = (s: WorkStatus[]) => items.filter((w) => s.includes(w.status)).length;
  return [
    `   Pending: ${n(["pending"])}  Ready: ${n(["ready"])}  Running: ${
      n(["assigned", "running"])
    }  Done: ${n(["done"])}  Blocked: ${n(["blocked"])}`,
    "   (use --work for full list)",
  ];
}

function watchLines(watches: WatchItem[], full: boolean): string[] {
  if (full) {
    return watches.flatMap((w) => [
      `   ${WATCH_EMOJI[w.status]} ${debugName(w.kind)} - ${w.target_ref} (${debugName(w.status)})`,
      `      └─ Next check: ${new Date(Date.parse(w.next_due_at)).toISOString().slice(11, 19)}`,
    ]);
  }
  if (!watches.length) return [];
  const active = watches.filter((w) => w.status !== "done").length;
  return [
    `   Active: ${active}  Done: ${watches.length - active}`,
    "   (use --watch for full list)",
  ];
}

export function detailLines(s: MissionStatus, flags: DetailFlags): string[] {
  const m = s.mission;
  const lines = [
    "Mission Status",
    `ID: ${shortId(m.id)} (${m.id})`,
    `State: ${STATE_EMOJI[m.state]} ${debugName(m.state)}`,
    `Created: ${utc(m.created_at)}`,
    `Updated: ${utc(m.updated_at)}`,
    `Objectives: ${m.objective_refs.length}`,
    ...m.objective_refs.map((o) => `   ${objectiveText(o)}`),
    "Policy:",
    `   Max parallel: ${m.policy.max_parallel_items}`,
    `   Reviewer required: ${m.policy.reviewer_required}`,
    `   Auto-merge: ${m.policy.auto_merge}`,
    `   Watch interval: ${m.policy.watch_interval_secs}s`,
  ];
  if (m.blocked_reason) lines.push(`Blocked Reason: ${m.blocked_reason}`);
  if (m.next_wake_at) lines.push(`Next Wake: ${utc(m.next_wake_at)}`);
  if (flags.dispatcher) {
    const pending = s.controls.filter((c) => c.processed_at === null);
    lines.push(
      "Dispatcher:",
      `   Last tick: ${m.dispatcher_last_tick_at ? utc(m.dispatcher_last_tick_at) : "never"}`,
      `   Last progress: ${
        m.dispatcher_last_progress_at ? utc(m.dispatcher_last_progress_at) : "none recorded"
      }`,
      ...(m.dispatcher_last_help_request_at
        ? [
          `   Last help request: ${utc(m.dispatcher_last_help_request_at)}`,
          `   Help reason: ${m.dispatcher_last_help_request_reason ?? ""}`,
        ]
        : []),
      `   Control messages: ${s.controls.length} total`,
      `   Pending control messages: ${pending.length}`,
      ...pending.slice(0, 3).map((c) =>
        `      ${c.sender}: ${(c.body.split("\n")[0] ?? "").slice(0, 100)}`
      ),
    );
  }
  lines.push(`Work Items: ${s.items.length}`, ...itemLines(s.items, !!flags.work));
  lines.push(`Watch Items: ${s.watches.length}`, ...watchLines(s.watches, !!flags.watch));
  lines.push("Recent Events:", ...s.events.slice(0, 5).map((e) => `   ${e}`));
  return lines;
}

/** `--json` form of a status: the tinytown records as stored, plus counts and open tasks. */
export function statusJson(s: MissionStatus) {
  return {
    mission: s.mission,
    work_items: s.items,
    watch_items: s.watches,
    work_item_count: s.items.length,
    watch_item_count: s.watches.length,
    control_messages: s.controls,
    pending_control_messages: s.controls.filter((c) => c.processed_at === null).length,
    events: s.events,
    open_tasks: s.tasks.map((t) => JSON.parse(taskToJson(t))),
  };
}
