/**
 * What a finished mission task means for its work item (spec extended §6.9.1-6.9.2): a work or
 * fix task submits artifacts (PR refs start four watches, and a review when the gate applies),
 * a review task approves or requests changes.
 */
import {
  blockItem,
  completeItem,
  type MissionRun,
  newWatch,
  recordArtifacts,
  type WatchAction,
  type WatchKind,
  type WorkItem,
} from "../model/mission.ts";
import { jsonTime } from "../model/time.ts";
import type { PassContext } from "./context.ts";
import {
  createMissionTask,
  missionTags,
  rejectionFixDescription,
  reviewDescription,
} from "./mission_tasks.ts";
import { chooseAgent, isReviewer } from "./routing.ts";
import type { WorkingSet } from "./working_set.ts";

export type SubmissionOutcome =
  | "completed"
  | "waiting_for_review"
  | "waiting_for_external"
  | "mission_not_found"
  | "work_item_not_found"
  | "reviewer_approval_required";

/** The reviewer gate: the policy wants a reviewer and the item is implementation or tests. */
export function reviewerGateApplies(m: MissionRun, w: WorkItem): boolean {
  return m.policy.reviewer_required && (w.kind === "implement" || w.kind === "test");
}

const PR_URL = /https:\/\/github\.com\/[^/\s]+\/[^/\s]+\/pull\/\d+/g;
const PR_SHORT = /[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+#\d+/g;

/** PR references in artifacts (full PR URLs and `owner/repo#N`), sorted and deduplicated. */
export function prRefs(artifacts: readonly string[]): string[] {
  const refs = new Set<string>();
  for (const a of artifacts) {
    for (const m of a.matchAll(PR_URL)) refs.add(m[0]);
    for (const m of a.matchAll(PR_SHORT)) refs.add(m[0]);
  }
  return [...refs].sort();
}

const PR_WATCHES: [WatchKind, WatchAction][] = [
  ["pr_checks", "create_fix_task"],
  ["bugbot_comments", "create_fix_task"],
  ["review_comments", "create_fix_task"],
  ["mergeability", "advance_pipeline"],
];

/** Four watches per PR ref; an existing one for the same item, kind and target is re-armed. */
export function ensurePrWatches(ws: WorkingSet, item: WorkItem, refs: readonly string[]): void {
  for (const ref of refs) {
    for (const [kind, action] of PR_WATCHES) {
      const existing = [...ws.watches.values()].find((w) =>
        w.work_item_id === item.id && w.kind === kind && w.target_ref === ref
      );
      if (existing) {
        ws.setWatch({
          ...existing,
          status: "active",
          next_due_at: jsonTime(new Date()),
          last_check_at: null,
          consecutive_failures: 0,
          on_trigger: action,
        });
      } else {
        ws.setWatch(newWatch(item, kind, ref, action, ws.mission.policy.watch_interval_secs));
      }
    }
  }
}

/** A review task for the first idle reviewer, unless one is open; none idle -> a log line. */
export async function ensureReviewTask(
  ctx: PassContext,
  ws: WorkingSet,
  item: WorkItem,
): Promise<void> {
  if (ctx.liveTasks(ws.id, item.id, "review").length) return;
  const reviewer = ctx.agents.find((a) => a.state === "idle" && isReviewer(a));
  if (!reviewer) {
    ws.log(`No idle reviewer for '${item.title}'; review task not created yet`);
    return;
  }
  const task = await createMissionTask(
    ctx.store,
    reviewer,
    reviewDescription(ws.mission, item),
    missionTags(ws.id, item.id, "review"),
    ws.id,
  );
  ctx.noteTask(task);
  ws.log(`Assigned review task ${task.id} for '${item.title}' to reviewer '${reviewer.name}'`);
}

/** A fix task after a rejection: to the item's owner, else the best idle agent. */
export async function ensureFixTask(
  ctx: PassContext,
  ws: WorkingSet,
  item: WorkItem,
  reason: string,
): Promise<void> {
  if (ctx.liveTasks(ws.id, item.id, "fix").length) return;
  let owner = item.assigned_to ? ctx.agent(item.assigned_to) : undefined;
  if (item.assigned_to && !owner) {
    ws.log(`Fix task for '${item.title}' not created: agent ${item.assigned_to} is gone`);
    return;
  }
  owner ??= chooseAgent(item, ctx.idleAgents());
  if (!owner) {
    ws.log(`Fix task for '${item.title}' not created: no idle agent fits`);
    return;
  }
  const task = await createMissionTask(
    ctx.store,
    owner,
    rejectionFixDescription(ws.mission, item, reason),
    missionTags(ws.id, item.id, "fix"),
    ws.id,
  );
  ctx.noteTask(task);
  ws.log(`Assigned fix task ${task.id} for '${item.title}' to '${owner.name}'`);
}

/** A work or fix task finished with `artifacts`. */
export async function recordSubmission(
  ctx: PassContext,
  ws: WorkingSet,
  item: WorkItem,
  artifacts: string[],
): Promise<SubmissionOutcome> {
  const refs = prRefs(artifacts);
  let w: WorkItem = { ...recordArtifacts(item, artifacts), reviewer_approved: false };
  const gate = reviewerGateApplies(ws.mission, w);
  if (refs.length) {
    w = blockItem(w);
    ws.setItem(w);
    ensurePrWatches(ws, w, refs);
    if (gate) {
      await ensureReviewTask(ctx, ws, w);
      ws.log(`Work item '${w.title}' is waiting on reviewer approval and PR watches`);
      return "waiting_for_review";
    }
    ws.log(`Work item '${w.title}' is waiting on PR watches`);
    return "waiting_for_external";
  }
  if (gate) {
    w = blockItem(w);
    ws.setItem(w);
    await ensureReviewTask(ctx, ws, w);
    ws.log(`Work item '${w.title}' is waiting on reviewer approval`);
    return "waiting_for_review";
  }
  ws.setItem(completeItem(w));
  ws.log(`Work item '${w.title}' completed`);
  return "completed";
}

/** The reviewer approved: done unless watches are still open. */
export function approveSubmission(
  ws: WorkingSet,
  item: WorkItem,
  artifacts: string[],
): SubmissionOutcome {
  let w = blockItem({ ...recordArtifacts(item, artifacts), reviewer_approved: true });
  ws.setItem(w);
  ws.log(`Reviewer approved '${w.title}'`);
  if (reviewerGateApplies(ws.mission, w) && !w.reviewer_approved) {
    return "waiting_for_review";
  }
  if (ws.watchesOf(w.id).some((x) => x.status !== "done")) return "waiting_for_external";
  w = completeItem(w);
  ws.setItem(w);
  ws.log(`Work item '${w.title}' finalized after review/watch gates`);
  return "completed";
}

/** The reviewer asked for changes: a fix task for the item's owner. */
export async function requestChanges(
  ctx: PassContext,
  ws: WorkingSet,
  item: WorkItem,
  reason: string,
): Promise<SubmissionOutcome> {
  const w = { ...blockItem(item), reviewer_approved: false };
  ws.setItem(w);
  await ensureFixTask(ctx, ws, w, reason);
  ws.log(`Reviewer requested changes for '${w.title}': ${reason}`);
  return "waiting_for_external";
}
