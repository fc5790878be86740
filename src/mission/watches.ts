/**
 * The watch engine (spec extended §6.10): every due watch of a claimed mission is checked
 * through `gh`; a triggered watch runs its action (a fix task with the evidence, or marking the
 * item's PR for the pipeline), a complete one is done, a failed check backs off and after
 * `watchMaxFailures` blocks the item. Fix tasks per item are capped by `max_fix_attempts`,
 * after which the conductor is asked instead (with the same evidence).
 */
import {
  completeWatch,
  debugName,
  isWatchDue,
  recordCheck,
  recordWatchFailure,
  snoozeWatch,
  type WatchItem,
  type WatchStatus,
  type WorkItem,
} from "../model/mission.ts";
import { describeError } from "../errors.ts";
import type { PassContext } from "./context.ts";
import { type CheckEntry, type GitHub, parsePrRef, type PrRef, type PrView } from "./github.ts";
import { sendHelpRequest } from "./help.ts";
import { createMissionTask, implementerOf, watchFixDescription } from "./mission_tasks.ts";
import type { WorkingSet } from "./working_set.ts";

export type CheckStatus = "success" | "pending" | "failure" | "unknown";

export function checkStatus(raw: string): CheckStatus {
  if (["success", "neutral", "skipped"].includes(raw)) return "success";
  if (["queued", "pending", "in_progress", "expected"].includes(raw)) return "pending";
  if (["failure", "failed", "timed_out", "action_required", "cancelled"].includes(raw)) {
    return "failure";
  }
  return "unknown";
}

/** The rollup's overall status (failure sticks; pending beats success; unknown yields). */
export function overallStatus(checks: readonly CheckEntry[]): CheckStatus {
  let acc: CheckStatus = "unknown";
  for (const c of checks) {
    const s = checkStatus(c.raw);
    if (acc === "failure" || s === "failure") acc = "failure";
    else if (acc === "unknown") acc = s;
    else if (s === "unknown") continue;
    else if ((acc === "success" && s === "pending") || (acc === "pending" && s === "success")) {
      acc = "pending";
    }
  }
  return acc;
}

export function isMergeable(value: string): boolean {
  return ["MERGEABLE", "CLEAN", "HAS_HOOKS", "UNSTABLE"].includes(value.toUpperCase());
}

export function isBotComment(c: { author: string; body: string }): boolean {
  if (!c.author) return false;
  const login = c.author.toLowerCase();
  return login.includes("bugbot") || login.includes("cursor") ||
    c.body.toLowerCase().includes("bugbot");
}

/** What a check found: whether to act, whether the watch is finished, and the evidence. */
interface Verdict {
  triggered: boolean;
  complete: boolean;
  details: string[];
}

async function verdict(gh: GitHub, w: WatchItem, ref: PrRef, logLines: number): Promise<Verdict> {
  const url = `https://github.com/${ref.owner}/${ref.repo}/pull/${ref.number}`;
  const checksOf = async (view?: PrView) => overallStatus((view ?? await gh.pr(ref)).checks);
  switch (w.kind) {
    case "pr_checks": {
      const view = await gh.pr(ref);
      const status = overallStatus(view.checks);
      if (status !== "failure") {
        return { triggered: false, complete: status === "success", details: [] };
      }
      const failed = view.checks.filter((c) => checkStatus(c.raw) === "failure");
      const details = [`PR: ${url}`, `Failing checks: ${failed.map((c) => c.name).join(", ")}`];
      for (const c of failed) {
        try {
          const tail = await gh.failedLogTail(ref, c, logLines);
          if (tail) details.push("", `Log of the failed steps of '${c.name}' (last lines):`, tail);
        } catch (err) {
          details.push("", `(log of '${c.name}' unavailable: ${describeError(err)})`);
        }
      }
      return { triggered: true, complete: false, details };
    }
    case "bugbot_comments": {
      const bots = (await gh.comments(ref)).filter(isBotComment);
      if (bots.length) {
        return {
          triggered: true,
          complete: false,
          details: [
            `PR: ${url}`,
            "Bot comments (verbatim):",
            ...bots.map((c) => `--- ${c.author}:\n${c.body}`),
          ],
        };
      }
      return { triggered: false, complete: (await checksOf()) === "success", details: [] };
    }
    case "review_comments": {
      const view = await gh.pr(ref);
      const asks = view.reviews.filter((r) => r.state.toUpperCase() === "CHANGES_REQUESTED");
      if (asks.length) {
        return {
          triggered: true,
          complete: false,
          details: [
            `PR: ${url}`,
            "Reviews requesting changes (verbatim):",
            ...asks.map((r) => `--- ${r.author || "unknown"}:\n${r.body}`),
          ],
        };
      }
      return { triggered: false, complete: overallStatus(view.checks) === "success", details: [] };
    }
    case "mergeability": {
      const view = await gh.pr(ref);
      const ok = isMergeable(view.mergeable) && overallStatus(view.checks) === "success";
      return { triggered: ok, complete: ok, details: [] };
    }
  }
}

/** One watch's result, as the dispatcher counts it. */
export interface WatchResult {
  watchId: string;
  missionId: string;
  triggered: boolean;
  /** The watch's status after the check (the pre-check status unless snoozed or done). */
  status: WatchStatus;
  error?: string;
}

/** A fix task for the item's owner, unless one is open or the attempts are used up. */
async function fixOrEscalate(
  ctx: PassContext,
  ws: WorkingSet,
  w: WatchItem,
  item: WorkItem,
  details: string[],
): Promise<void> {
  const owner = ctx.agent(implementerOf(ctx.tasks, item));
  if (!owner) {
    ws.log(`Fix for work item '${item.title}' not created: it has no (existing) owner`);
    return;
  }
  if (ctx.liveTasks(ws.id, item.id, "fix").length) return;
  const attempts =
    ctx.tasks.filter((t) =>
      t.tags.includes(`work-item:${item.id}`) && t.tags.some((g) => g.startsWith("watch:"))
    ).length;
  if (attempts >= ctx.config.maxFixAttempts) {
    const reason = `Mission ${ws.id} work item '${item.title}' still fails ${debugName(w.kind)} ` +
      `after ${attempts} fix attempt(s) (max_fix_attempts = ${ctx.config.maxFixAttempts})`;
    if (await sendHelpRequest(ctx, ws, reason, details)) {
      ws.log(
        `Escalated work item '${item.title}' to the conductor after ${attempts} fix attempt(s)`,
      );
    }
    return;
  }
  const task = await createMissionTask(
    ctx.store,
    owner,
    watchFixDescription(ws.mission, item, debugName(w.kind), w.target_ref, details),
    [`mission:${ws.id}`, `work-item:${item.id}`, "mission-fix-task", `watch:${w.id}`],
    ws.id,
  );
  ctx.noteTask(task);
  ws.log(`Created fix task ${task.id} for work item '${item.title}' due to ${debugName(w.kind)}`);
}

async function runAction(ctx: PassContext, ws: WorkingSet, w: WatchItem, v: Verdict) {
  const item = ws.items.get(w.work_item_id);
  if (item && w.on_trigger === "create_fix_task") {
    await fixOrEscalate(ctx, ws, w, item, v.details);
  } else if (item && w.on_trigger === "advance_pipeline") {
    if (!item.artifact_refs.includes(w.target_ref)) {
      ws.setItem({ ...item, artifact_refs: [...item.artifact_refs, w.target_ref] });
    }
    ws.log(`Work item '${item.title}' is eligible for scheduler-driven pipeline advance`);
  } else if (w.on_trigger === "notify_reviewer") {
    ws.log(`Watch ${w.id} wants a reviewer notified for ${w.work_item_id}`);
  }
  ws.log(`Watch ${w.id} triggered action ${debugName(w.on_trigger)} for ${w.target_ref}`);
}

/** Checks every due watch of the mission; needs `gh` only when one is due. */
export async function checkDueWatches(
  ctx: PassContext,
  ws: WorkingSet,
  gh: () => GitHub,
): Promise<WatchResult[]> {
  const results: WatchResult[] = [];
  const now = new Date();
  for (const w of [...ws.watches.values()]) {
    if (!isWatchDue(w, now)) continue;
    const ref = parsePrRef(w.target_ref);
    if (!ref) {
      results.push({
        watchId: w.id,
        missionId: ws.id,
        triggered: false,
        status: w.status,
        error: `Invalid PR reference: ${w.target_ref}`,
      });
      continue;
    }
    try {
      const v = await verdict(gh(), w, ref, ctx.config.logTailLines);
      let next = w;
      if (v.triggered && !(w.on_trigger === "advance_pipeline" && v.complete)) {
        await runAction(ctx, ws, w, v);
        if (!v.complete) next = snoozeWatch(w, ctx.config.watchSnoozeSecs);
      }
      if (v.complete) next = completeWatch(w);
      else if (!v.triggered) next = recordCheck(w);
      ws.setWatch(next);
      results.push({
        watchId: w.id,
        missionId: ws.id,
        triggered: v.triggered,
        status: next.status === "active" ? w.status : next.status,
      });
    } catch (err) {
      const next = recordWatchFailure(w);
      ws.setWatch(next);
      const error = describeError(err);
      if (next.consecutive_failures >= ctx.config.watchMaxFailures) {
        const item = ws.items.get(w.work_item_id);
        if (item && item.status !== "blocked") ws.setItem({ ...item, status: "blocked" });
        if (item) ws.log(`Work item '${item.title}' blocked: Watch check failed: ${error}`);
      }
      results.push({ watchId: w.id, missionId: ws.id, triggered: false, status: w.status, error });
    }
  }
  return results;
}
