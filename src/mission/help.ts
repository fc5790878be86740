/**
 * Asking the conductor for help (spec extended §6.11): why a mission is stuck, sent as one
 * `[Mission Help Needed]` query to the conductor's inbox — never twice for the same reason
 * inside the back-off window (1800 s, doubling up to 8x), so the inbox is never flooded — and
 * retired again when the conductor answers with a note, stop or resume.
 */
import { SUPERVISOR_ID } from "../model/ids.ts";
import { newMessage } from "../model/message.ts";
import { isMissionTerminal, recordHelpRequest } from "../model/mission.ts";
import type { Store } from "../store/store.ts";
import type { PassContext } from "./context.ts";
import { openMissionTasks } from "./scheduler.ts";
import type { WorkingSet } from "./working_set.ts";

export const helpMarker = (missionId: string) => `[Mission Help Needed] Mission ${missionId}`;

/** chrono's Display form of a time, e.g. `2026-04-22 10:20:00.123 UTC`. */
const chronoText = (d: Date) => d.toISOString().replace("T", " ").replace("Z", " UTC");

/** Why the mission needs the conductor now, or undefined. */
export function assessHelp(ctx: PassContext, ws: WorkingSet, now = new Date()): string | undefined {
  const m = ws.mission;
  if (isMissionTerminal(m.state)) return undefined;
  const ready = [...ws.items.values()].filter((w) => w.status === "ready").length;
  if (ready > 0 && ctx.idleAgents().length === 0) {
    return `Mission ${m.id} has ${ready} ready work item(s) but no idle agents are available`;
  }
  const tick = ctx.config.tickIntervalSecs;
  const progress = m.dispatcher_last_progress_at ? Date.parse(m.dispatcher_last_progress_at) : NaN;
  const stalledFor = isNaN(progress) ? 2 * tick : (now.getTime() - progress) / 1000;
  const threshold = Math.max(6 * tick, 180);
  if (stalledFor < threshold) return undefined;
  const old = openMissionTasks(ctx, m.id).find((t) =>
    (now.getTime() - t.updatedAt.getTime()) / 1000 >= threshold
  );
  if (old) {
    return `Mission ${m.id} appears stuck; task ${old.id} has not changed since ${
      chronoText(old.updatedAt)
    }`;
  }
  const live = [...ws.watches.values()].some((w) =>
    w.status === "active" || w.status === "snoozed"
  );
  if (m.blocked_reason && !live) return `Mission ${m.id} is still blocked: ${m.blocked_reason}`;
  return undefined;
}

/** Whether a help request for `reason` may go out now (new reason, or back-off elapsed). */
export function helpDue(ctx: PassContext, ws: WorkingSet, reason: string, now = new Date()) {
  const m = ws.mission;
  if (!m.dispatcher_last_help_request_at) return true;
  if (m.dispatcher_last_help_request_reason !== reason) return true;
  const since = (now.getTime() - Date.parse(m.dispatcher_last_help_request_at)) / 1000;
  const factor = Math.min(
    2 ** Math.min(m.dispatcher_help_request_attempts, 30),
    Math.max(ctx.config.helpRepeatBackoffCap, 1),
  );
  return since >= ctx.config.helpRepeatIntervalSecs * factor;
}

/**
 * Sends the help request unless the same reason was sent inside its back-off window (any
 * older request of this mission is retired first, so the inbox holds at most one); returns
 * whether it was sent. `details` go below the reason (e.g. a failing check's log).
 */
export async function sendHelpRequest(
  ctx: PassContext,
  ws: WorkingSet,
  reason: string,
  details: string[] = [],
): Promise<boolean> {
  if (!helpDue(ctx, ws, reason)) return false;
  const changed = ws.mission.dispatcher_last_help_request_reason !== reason;
  await retireHelpRequests(ctx.store, ws.id);
  const question = [
    helpMarker(ws.id),
    "",
    reason,
    ...(details.length ? ["", ...details] : []),
    "",
    `Answer with: tt mission note ${ws.id} "resume ..." or "pause ..." ` +
    `(or "redirect ITEM to AGENT"), or another note for the dispatcher.`,
  ].join("\n");
  await ctx.store.mailbox.send(
    newMessage(SUPERVISOR_ID, SUPERVISOR_ID, { type: "query", question }),
  );
  ws.setMission(recordHelpRequest(ws.mission, reason, changed));
  ws.log(`Dispatcher asked conductor for help: ${reason}`);
  return true;
}

/** Removes this mission's help requests from the conductor's inbox; returns how many. */
export async function retireHelpRequests(store: Store, missionId: string): Promise<number> {
  return await store.missions.retireQueries(store.keys.inbox(SUPERVISOR_ID), helpMarker(missionId));
}
