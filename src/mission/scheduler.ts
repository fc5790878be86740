/**
 * The scheduler pass (spec extended §6.7): per running mission, reconcile items with their
 * live tasks (§6.9.4), finalize items whose gates are met, promote items whose dependencies
 * are done, assign ready items to idle agents by role (§6.8), then evaluate the mission.
 * Reads are one pipelined round trip for all missions; each changed mission is one write.
 */
import {
  assignItem,
  completeItem,
  completeMission,
  markReady,
  type WorkItem,
} from "../model/mission.ts";
import { isTerminalState } from "../model/agent.ts";
import { jsonTime } from "../model/time.ts";
import { isTaskTerminal, type Task } from "../model/task.ts";
import type { PassContext } from "./context.ts";
import {
  createMissionTask,
  missionTags,
  missionTaskInfo,
  workDescription,
} from "./mission_tasks.ts";
import { chooseAgent, isReviewer } from "./routing.ts";
import { ensureReviewTask, reviewerGateApplies } from "./submission.ts";
import { WorkingSet } from "./working_set.ts";

/** What one pass did to one mission. */
export interface MissionPassResult {
  missionId: string;
  reconciled: string[];
  promoted: string[];
  assigned: string[];
  completed: string[];
  /** The mission itself completed. */
  missionCompleted: boolean;
}

export interface PassResult {
  promoted: number;
  assigned: number;
  missionsCompleted: number;
  missions: MissionPassResult[];
}

const KIND_RANK = { work: 3, fix: 2, review: 1 } as const;
const stateRank = (t: Task) => (t.state === "running" ? 2 : t.state === "assigned" ? 1 : 0);

/** Step 1: item owners and status follow the authoritative live task. */
export function reconcile(ctx: PassContext, ws: WorkingSet): string[] {
  const changed: string[] = [];
  for (const item of ws.items.values()) {
    if (item.status === "done") continue;
    const live = ctx.liveTasks(ws.id, item.id);
    let w: WorkItem = item;
    const notes: string[] = [];
    if (live.length) {
      const best = live.reduce((a, b) => {
        const ka = KIND_RANK[missionTaskInfo(a)!.kind], kb = KIND_RANK[missionTaskInfo(b)!.kind];
        if (ka !== kb) return ka > kb ? a : b;
        if (stateRank(a) !== stateRank(b)) return stateRank(a) > stateRank(b) ? a : b;
        return a.updatedAt >= b.updatedAt ? a : b;
      });
      const kind = missionTaskInfo(best)!.kind;
      if (best.assignedTo && best.assignedTo !== w.assigned_to) {
        w = { ...w, assigned_to: best.assignedTo };
        notes.push(`Rebound work item '${w.title}' to live mission task owner ${best.assignedTo}`);
      }
      if (kind !== "review" && (best.state === "assigned" || best.state === "running")) {
        if (w.status !== best.state) {
          w = { ...w, status: best.state };
          notes.push(
            `Updated work item '${w.title}' to ${
              best.state === "running" ? "Running" : "Assigned"
            } from live mission task`,
          );
        }
      }
    } else if (w.assigned_to) {
      const agent = ctx.agent(w.assigned_to);
      const gone = !agent || isTerminalState(agent.state);
      if (gone && (w.status === "assigned" || w.status === "running")) {
        notes.push(`Released stale assignee ${w.assigned_to} from work item '${w.title}'`);
        w = { ...w, assigned_to: null, status: "ready" };
      } else if (gone && w.status === "blocked") {
        notes.push(`Cleared stale blocked assignee ${w.assigned_to} from work item '${w.title}'`);
        w = { ...w, assigned_to: null };
      }
    }
    if (notes.length) {
      ws.setItem({ ...w, updated_at: jsonTime(new Date()) });
      notes.forEach((n) => ws.log(n));
      changed.push(w.id);
    }
  }
  return changed;
}

/** Step 2: blocked items with artifacts or approval whose gates are all met become done. */
export function finalizeWaiting(ws: WorkingSet): string[] {
  const done: string[] = [];
  for (const item of ws.items.values()) {
    if (item.status !== "blocked") continue;
    if (!item.artifact_refs.length && !item.reviewer_approved) continue;
    if (reviewerGateApplies(ws.mission, item) && !item.reviewer_approved) continue;
    if (ws.watchesOf(item.id).some((w) => w.status !== "done")) continue;
    ws.setItem(completeItem(item));
    ws.log(`Work item '${item.title}' completed`);
    done.push(item.id);
  }
  return done;
}

/**
 * Step 2b (tt): a submitted item that waits for a reviewer but has no open task gets its review
 * task now (the reference creates it only at submission, so a busy reviewer then stalls it).
 */
export async function ensurePendingReviews(ctx: PassContext, ws: WorkingSet): Promise<void> {
  for (const item of [...ws.items.values()]) {
    if (item.status !== "blocked" || item.reviewer_approved || !item.artifact_refs.length) continue;
    if (!reviewerGateApplies(ws.mission, item)) continue;
    if (ctx.liveTasks(ws.id, item.id).length) continue;
    if (!ctx.idleAgents().some(isReviewer)) continue;
    await ensureReviewTask(ctx, ws, item);
  }
}

/** Step 3: pending items whose dependencies are all done become ready. */
export function promote(ws: WorkingSet): string[] {
  const status = new Map([...ws.items.values()].map((w) => [w.id, w.status]));
  const promoted: string[] = [];
  for (const item of ws.items.values()) {
    if (item.status !== "pending") continue;
    if (!item.depends_on.every((d) => status.get(d) === "done")) continue;
    ws.setItem(markReady(item));
    ws.log(`Work item '${item.title}' promoted to ready`);
    promoted.push(item.id);
  }
  return promoted;
}

/** Step 4: the first free-slot ready items go to the best idle agents. */
export async function assignReady(ctx: PassContext, ws: WorkingSet): Promise<string[]> {
  const items = [...ws.items.values()];
  const busy = items.filter((w) => w.status === "assigned" || w.status === "running").length;
  const slots = Math.max(0, ws.mission.policy.max_parallel_items - busy);
  if (slots === 0) return [];
  const idle = ctx.idleAgents();
  const load = new Map<string, number>();
  const assigned: string[] = [];
  for (const item of items.filter((w) => w.status === "ready").slice(0, slots)) {
    const agent = chooseAgent(item, idle, load);
    if (!agent) continue;
    const w = assignItem(item, agent.id);
    // The item is saved before its task exists: a crash in between leaves an assigned item
    // without a live task, which reconciliation releases back to ready (nothing is lost).
    ws.setItem(w);
    await ws.flush(ctx.store);
    const task = await createMissionTask(
      ctx.store,
      agent,
      workDescription(ws.mission, w),
      missionTags(ws.id, w.id, "work"),
      ws.id,
    );
    ctx.noteTask(task);
    load.set(agent.id, (load.get(agent.id) ?? 0) + 1);
    ws.log(`Assigned '${w.title}' to agent '${agent.name}' as task ${task.id}`);
    assigned.push(w.id);
  }
  return assigned;
}

/** Step 5: complete the mission, or say what it waits on. Returns true when it completed. */
export function evaluate(ws: WorkingSet): boolean {
  const items = [...ws.items.values()];
  const openWatches = [...ws.watches.values()].filter((w) => w.status !== "done");
  const earliest = openWatches.map((w) => w.next_due_at).sort()[0];
  const m = ws.mission;
  if (items.length && items.every((w) => w.status === "done")) {
    if (openWatches.length === 0) {
      ws.setMission(completeMission(m));
      ws.setActive(false);
      ws.log("Mission completed - all work items and watches done");
      return true;
    }
    const reason = `Waiting on ${openWatches.length} active watch(es)`;
    if (m.blocked_reason !== reason || m.next_wake_at !== earliest) {
      ws.setMission({ ...m, blocked_reason: reason, next_wake_at: earliest });
    }
    return false;
  }
  const moving = items.some((w) =>
    w.status === "ready" || w.status === "assigned" || w.status === "running"
  );
  if (!moving) {
    const reason = "Waiting on dependency, review, or external watch";
    const wake = earliest ?? jsonTime(new Date(Date.now() + 30_000));
    // Only a changed reason is written: a re-written wake time alone is no news.
    if (m.blocked_reason !== reason || (earliest && m.next_wake_at !== earliest)) {
      ws.setMission({ ...m, blocked_reason: reason, next_wake_at: wake });
    }
    return false;
  }
  if (m.blocked_reason !== null || m.next_wake_at !== null) {
    ws.setMission({ ...m, blocked_reason: null, next_wake_at: null });
  }
  return false;
}

/** One pass over one loaded mission (skipped unless running). */
export async function passOne(ctx: PassContext, ws: WorkingSet): Promise<MissionPassResult> {
  const r: MissionPassResult = {
    missionId: ws.id,
    reconciled: [],
    promoted: [],
    assigned: [],
    completed: [],
    missionCompleted: false,
  };
  if (ws.mission.state !== "running") return r;
  r.reconciled = reconcile(ctx, ws);
  r.completed = finalizeWaiting(ws);
  await ensurePendingReviews(ctx, ws);
  r.promoted = promote(ws);
  r.assigned = await assignReady(ctx, ws);
  r.missionCompleted = evaluate(ws);
  await ws.flush(ctx.store);
  return r;
}

/** A pass over the given missions (default: the active set). */
export async function schedulerPass(
  ctx: PassContext,
  ids?: readonly string[],
): Promise<PassResult> {
  const missionIds = ids ?? await ctx.store.missions.activeIds();
  const snaps = await ctx.store.missions.snapshots(missionIds);
  const result: PassResult = { promoted: 0, assigned: 0, missionsCompleted: 0, missions: [] };
  for (const snap of snaps) {
    const r = await passOne(ctx, new WorkingSet(snap));
    result.promoted += r.promoted.length;
    result.assigned += r.assigned.length;
    if (r.missionCompleted) result.missionsCompleted++;
    result.missions.push(r);
  }
  return result;
}

/** Tasks of a mission that are still open (for help assessment and deletion). */
export function openMissionTasks(ctx: PassContext, missionId: string): Task[] {
  return ctx.tasks.filter((t) =>
    !isTaskTerminal(t.state) && t.tags.includes(`mission:${missionId}`)
  );
}
