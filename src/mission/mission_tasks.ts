/**
 * Mission work as ordinary tasks (spec extended §6.9): tags that tie a task to its mission and
 * work item, the descriptions of work, review, fix and redirect tasks, and creating one
 * (task, its task_assign message from the conductor and its event in one transaction).
 */
import type { Agent } from "../model/agent.ts";
import { newEvent } from "../model/event.ts";
import { shortId, SUPERVISOR_ID } from "../model/ids.ts";
import { newMessage, truncateSummary } from "../model/message.ts";
import type { MissionRun, WorkItem } from "../model/mission.ts";
import { assignTask, newTask, type Task, taskStateDisplayName } from "../model/task.ts";
import type { Store } from "../store/store.ts";

export type MissionTaskKind = "work" | "review" | "fix";

export const KIND_TAGS: Record<MissionTaskKind, string> = {
  work: "mission-work-item",
  review: "mission-review-task",
  fix: "mission-fix-task",
};

export function missionTags(missionId: string, itemId: string, kind: MissionTaskKind): string[] {
  return [`mission:${missionId}`, `work-item:${itemId}`, KIND_TAGS[kind], `mission-task:${kind}`];
}

/** The mission, work item and kind a task's tags name, or undefined when it is no mission task. */
export function missionTaskInfo(
  task: Pick<Task, "tags">,
): { missionId: string; itemId: string; kind: MissionTaskKind; tagged: boolean } | undefined {
  const mission = task.tags.find((t) => t.startsWith("mission:"))?.slice(8);
  const item = task.tags.find((t) => t.startsWith("work-item:"))?.slice(10);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (!mission || !item || !uuid.test(mission) || !uuid.test(item)) return undefined;
  const kind: MissionTaskKind = task.tags.includes(KIND_TAGS.review)
    ? "review"
    : task.tags.includes(KIND_TAGS.fix)
    ? "fix"
    : "work";
  const tagged = Object.values(KIND_TAGS).some((t) => task.tags.includes(t));
  return { missionId: mission.toLowerCase(), itemId: item.toLowerCase(), kind, tagged };
}

export function workDescription(m: MissionRun, w: WorkItem): string {
  return [
    `[Mission Work Item] ${w.title}`,
    "",
    `Mission: ${m.id}`,
    `Work item: ${w.id}`,
    `Source: ${w.source_ref ?? "unknown"}`,
    "",
    "When the work is done, open a pull request and complete this task with its URL (or " +
    "owner/repo#N) in the result, so the mission's PR watches can take over.",
  ].join("\n");
}

/** The newest artifact that names a PR or issue, for the reviewer. */
export function latestRef(w: WorkItem): string {
  return [...w.artifact_refs].reverse().find((a) => a.includes("github.com") || a.includes("#")) ??
    "no PR ref provided";
}

export function reviewDescription(m: MissionRun, w: WorkItem): string {
  return [
    `[Mission Review] ${w.title}`,
    `Mission: ${m.id}`,
    `Work item: ${w.id}`,
    `Latest PR/ref: ${latestRef(w)}`,
    "",
    "Review the change and complete this task with a result starting 'approved:' or " +
    "'rejected:' followed by your reasons.",
  ].join("\n");
}

export function rejectionFixDescription(m: MissionRun, w: WorkItem, reason: string): string {
  return [
    `[Mission Fix] ${w.title}`,
    `Mission: ${m.id}`,
    `Work item: ${w.id}`,
    `Reason: ${reason}`,
    `Latest PR/ref: ${latestRef(w)}`,
    "",
    "Address the review, update the pull request and complete this task with the new ref.",
  ].join("\n");
}

/** A fix task from a watch: what failed, with the evidence the agent needs. */
export function watchFixDescription(
  m: MissionRun,
  w: WorkItem,
  kind: string,
  target: string,
  details: string[],
): string {
  return [
    `[Mission Fix Required] ${w.title}`,
    `Mission: ${m.id}`,
    `Work item: ${w.id}`,
    `Watch type: ${kind}`,
    `Target: ${target}`,
    ...(details.length ? ["", ...details] : []),
    "",
    "Fix the problem on the pull request's branch, push, and complete this task with the " +
    "refreshed PR ref.",
  ].join("\n");
}

export function redirectDescription(
  m: MissionRun,
  w: WorkItem,
  agent: Agent,
  reason?: string,
): string {
  const head = w.artifact_refs.length ? "[Mission Fix Redirect]" : "[Mission Redirect]";
  return [
    `${head} ${w.title}`,
    `Mission: ${m.id}`,
    `Work item: ${w.id}`,
    `Assigned by dispatcher redirect to ${agent.id}`,
    "",
    ...(reason ? [`Operator correction: ${reason}`, ""] : []),
    ...(w.artifact_refs.length
      ? ["Latest artifacts/refs:", ...w.artifact_refs.map((a) => `- ${a}`)]
      : ["No artifact refs recorded yet."]),
  ].join("\n");
}

/**
 * Creates the task assigned to `agent` and announces it with a task_assign from the conductor,
 * in one transaction (no task without its message).
 */
export async function createMissionTask(
  store: Store,
  agent: Agent,
  description: string,
  tags: string[],
  missionId: string,
): Promise<Task> {
  const task = assignTask(newTask(description, { tags }), agent.id);
  const message = newMessage(SUPERVISOR_ID, agent.id, { type: "task_assign", taskId: task.id });
  const event = newEvent(
    "task_assigned",
    `Task ${shortId(task.id)} assigned: ${truncateSummary(description, 60)}`,
    { agentId: agent.id, taskId: task.id, missionId, newState: taskStateDisplayName(task.state) },
  );
  const tx = store.tasks.createTo(store.redis.multi(), task);
  await store.events.addTo(store.mailbox.sendTo(tx, message), event).exec();
  return task;
}

/**
 * Who wrote the item's change: the assignee of its newest work or fix task (a reviewer may own
 * the item meanwhile), else the item's assignee. Fix tasks from watches go to them.
 */
export function implementerOf(tasks: readonly Task[], item: WorkItem): string | null {
  const authored = tasks.filter((t) => {
    const info = missionTaskInfo(t);
    return info && info.missionId === item.mission_id && info.itemId === item.id &&
      info.kind !== "review" && t.assignedTo;
  }).sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
  return authored[0]?.assignedTo ?? item.assigned_to;
}
