/**
 * What an operator does to one work item by hand (MCP `mission.approve`, `mission.reject`,
 * `mission.input`; townhall.md §8.4): stand in for the reviewer (approve, or request changes
 * with a fix task), or answer the item's agent. The same submission rules as a reviewer's
 * completed review task apply (extended.md §6.9.2); approve and reject end with a scheduler
 * pass, so freed work is handed out at once.
 */
import { TtError, UsageError } from "../errors.ts";
import { SUPERVISOR_ID } from "../model/ids.ts";
import {
  clearHelpRequestState,
  type ControlMessage,
  newControlMessage,
  type WorkItem,
} from "../model/mission.ts";
import { sendMessage } from "../service/message_send.ts";
import { PassContext } from "./context.ts";
import { configOf, loadMission, type MissionEnv } from "./env.ts";
import { type PassResult, schedulerPass } from "./scheduler.ts";
import {
  approveSubmission,
  requestChanges,
  reviewerGateApplies,
  type SubmissionOutcome,
} from "./submission.ts";
import type { WorkingSet } from "./working_set.ts";

/** What approve or reject did to the item. */
export interface ItemDecision {
  missionId: string;
  itemId: string;
  /** `completed`, `waiting_for_review` or `waiting_for_external`. */
  outcome: SubmissionOutcome;
  /** The scheduler pass run afterwards (all active missions). */
  pass: PassResult;
}

/** A work item id from a full id or a unique prefix of 4+ characters, within one mission. */
export function resolveWorkItemId(ws: WorkingSet, ref: string): string {
  const text = ref.trim().toLowerCase();
  if (ws.items.has(text)) return text;
  const matches = text.length >= 4 ? [...ws.items.keys()].filter((id) => id.startsWith(text)) : [];
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new TtError(
      `work item id '${ref}' is ambiguous in mission ${ws.id}: ${matches.length} items start with it`,
    );
  }
  throw new TtError(`work item not found: ${ref} in mission ${ws.id} (see 'tt mission status')`);
}

/** Items waiting on a reviewer: blocked, not approved, with a submission, behind the gate. */
function awaitingReview(ws: WorkingSet): WorkItem[] {
  return [...ws.items.values()].filter((w) =>
    w.status === "blocked" && !w.reviewer_approved && w.artifact_refs.length > 0 &&
    reviewerGateApplies(ws.mission, w)
  );
}

/**
 * Approves a work item as its reviewer would. Without `itemRef` the one item awaiting review
 * is taken (none or several: an error asking for the id). `artifact` is recorded on the item
 * (default `operator:approve`). The item is done unless its PR watches are still open.
 */
export async function approve(
  env: MissionEnv,
  ref: string,
  opts: { itemRef?: string; artifact?: string } = {},
): Promise<ItemDecision> {
  const ws = await loadMission(env, ref);
  let itemId: string;
  if (opts.itemRef !== undefined) {
    itemId = resolveWorkItemId(ws, opts.itemRef);
  } else {
    const waiting = awaitingReview(ws);
    if (waiting.length !== 1) {
      throw new UsageError(
        `${waiting.length ? "several" : "no"} work items of mission ${ws.id} await review; ` +
          "name the work item to approve",
      );
    }
    itemId = waiting[0].id;
  }
  const outcome = approveSubmission(ws, ws.items.get(itemId)!, [
    opts.artifact ?? "operator:approve",
  ]);
  return await decided(env, ws, itemId, outcome);
}

/**
 * Requests changes on a work item as its reviewer would: the item is blocked, its approval
 * cleared, and a fix task goes to its owner (else the best idle agent).
 */
export async function reject(
  env: MissionEnv,
  ref: string,
  itemRef: string,
  reason: string,
): Promise<ItemDecision> {
  if (reason.trim() === "") throw new UsageError("the reason for the changes is empty");
  const ws = await loadMission(env, ref);
  const itemId = resolveWorkItemId(ws, itemRef);
  // The operator has stepped in: an open help request for this mission is answered.
  ws.setMission(clearHelpRequestState(ws.mission));
  const ctx = await PassContext.load(env.store, configOf(env));
  const outcome = await requestChanges(ctx, ws, ws.items.get(itemId)!, reason.trim());
  return await decided(env, ws, itemId, outcome);
}

async function decided(
  env: MissionEnv,
  ws: WorkingSet,
  itemId: string,
  outcome: SubmissionOutcome,
): Promise<ItemDecision> {
  await ws.flush(env.store);
  const pass = await schedulerPass(await PassContext.load(env.store, configOf(env)));
  return { missionId: ws.id, itemId, outcome, pass };
}

/** What `input` recorded and where it went. */
export interface InputResult {
  missionId: string;
  itemId: string;
  /** The note kept in the mission's control list (the dispatcher only logs it). */
  control: ControlMessage;
  /** The agent the answer was sent to (urgent), when the item has a registered owner. */
  forwardedTo?: string;
}

/**
 * The operator's answer for a work item: kept as a note on the mission, logged, and sent
 * urgently from the conductor to the agent the item is assigned to, if that agent exists.
 */
export async function input(
  env: MissionEnv,
  ref: string,
  itemRef: string,
  response: string,
  sender = "conductor",
): Promise<InputResult> {
  if (response.trim() === "") throw new UsageError("the input is empty");
  const ws = await loadMission(env, ref);
  const item = ws.items.get(resolveWorkItemId(ws, itemRef))!;
  const control = newControlMessage(
    ws.id,
    sender,
    `operator input for work item ${item.id}: ${response}`,
  );
  await env.store.missions.saveControls(control);
  ws.log(`Operator input recorded for work item '${item.title}': ${response}`);
  await ws.flush(env.store);
  const owner = item.assigned_to ? await env.store.agents.get(item.assigned_to) : undefined;
  if (owner) {
    await sendMessage(env.store, {
      to: owner.id,
      from: SUPERVISOR_ID,
      kind: "info",
      urgent: true,
      text: `[Mission Input] Mission ${ws.id} work item ${item.id}: ${response}`,
    });
  }
  return {
    missionId: ws.id,
    itemId: item.id,
    control,
    ...(owner ? { forwardedTo: owner.name } : {}),
  };
}
