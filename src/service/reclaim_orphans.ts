/**
 * `tt reclaim --orphan-tasks`: open tasks whose assignee is gone or dead go to the backlog, to
 * another agent, or are cancelled or deleted. Each move is one Lua script that re-checks the
 * task is still orphaned, so of many concurrent reclaimers exactly one acts on each task.
 */
import { UsageError } from "../errors.ts";
import { type Agent, isTerminalState } from "../model/agent.ts";
import { newEvent } from "../model/event.ts";
import { parseId, shortId, SUPERVISOR_ID } from "../model/ids.ts";
import { encodeMessage, newMessage } from "../model/message.ts";
import { hashTime } from "../model/time.ts";
import type { Task } from "../model/task.ts";
import type { Store } from "../store/store.ts";
import { destination } from "./reclaim_inboxes.ts";

export type OrphanReason = "agent_missing" | "agent_terminal";

export interface OrphanTask {
  task: Task;
  reason: OrphanReason;
  /** The assignee's record, when it still exists. */
  assignee?: Agent;
  /** After an action: whether this call did it (false: changed by someone else meanwhile). */
  done?: boolean;
}

export type OrphanAction = "list" | "to_backlog" | "to_agent" | "cancel" | "delete";

export interface OrphanReclaimResult {
  action: OrphanAction;
  orphans: OrphanTask[];
  to?: { id: string; label: string };
}

/**
 * Open tasks (pending, assigned, running) whose assignee has no record or is in a terminal
 * state. Tasks of the conductor mailbox are not orphans: it has no loop to die. `from`
 * (exact name or id) limits them to one assignee.
 */
export async function findOrphanTasks(
  store: Store,
  opts: { from?: string } = {},
): Promise<OrphanTask[]> {
  const [tasks, agents] = await Promise.all([store.tasks.list(), store.agents.list()]);
  const byId = new Map(agents.map((a) => [a.id, a]));
  const out: OrphanTask[] = [];
  for (const task of tasks) {
    if (!["pending", "assigned", "running"].includes(task.state)) continue;
    const id = task.assignedTo;
    if (!id || id === SUPERVISOR_ID) continue;
    const assignee = byId.get(id);
    if (assignee && !isTerminalState(assignee.state)) continue;
    if (opts.from !== undefined) {
      const ref = opts.from.trim();
      if (id !== (parseId(ref) ?? "") && assignee?.name !== ref) continue;
    }
    out.push({
      task,
      reason: assignee ? "agent_terminal" : "agent_missing",
      ...(assignee ? { assignee } : {}),
    });
  }
  return out;
}

const CANCEL_REASON: Record<OrphanReason, string> = {
  agent_missing: "Cancelled: assignee no longer exists",
  agent_terminal: "Cancelled: assignee is in a terminal state",
};

const DONE_TEXT: Record<string, string> = {
  to_backlog: "requeued to the backlog",
  cancel: "cancelled",
  delete: "deleted",
};

/** Lists orphan tasks, or requeues, reassigns, cancels or deletes them. */
export async function reclaimOrphanTasks(
  store: Store,
  action: OrphanAction,
  opts: { from?: string; to?: string } = {},
): Promise<OrphanReclaimResult> {
  if (action === "to_agent" && opts.to === undefined) {
    throw new UsageError("reclaiming orphan tasks to an agent needs --to");
  }
  const to = action === "to_agent" ? await destination(store, opts.to!, true) : undefined;
  const orphans = await findOrphanTasks(store, opts);
  if (action === "list") return { action, orphans };
  const now = new Date();
  const events = [];
  for (const o of orphans) {
    const id = o.task.id;
    const message = to
      ? encodeMessage(newMessage(SUPERVISOR_ID, to.id, { type: "task_assign", taskId: id }))
      : "";
    o.done = await store.reclaim.orphan(id, o.task.assignedTo!, action, {
      now: hashTime(now),
      reasonOrAgent: to ? to.id : CANCEL_REASON[o.reason],
      inboxOf: to?.id ?? SUPERVISOR_ID,
      message,
    });
    if (!o.done) continue;
    const what = action === "to_agent" ? `reassigned to ${to!.label}` : DONE_TEXT[action];
    events.push(newEvent(
      action === "cancel" ? "task_cancelled" : "task_reclaimed",
      `Orphan task ${shortId(id)} ${what}`,
      { agentId: to?.id ?? o.task.assignedTo, taskId: id },
    ));
  }
  await store.events.emit(...events);
  return { action, orphans, ...(to ? { to } : {}) };
}
