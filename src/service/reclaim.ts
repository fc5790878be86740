/**
 * Reclaiming work from dead agents for the faces (REST `/v1/reclaim`,
 * `/v1/reclaim/orphan-tasks`, MCP `recovery.reclaim_tasks`): `tt reclaim` and
 * `tt reclaim --orphan-tasks` as functions.
 */
import { reclaimInboxes } from "./reclaim_inboxes.ts";
import { type OrphanAction, reclaimOrphanTasks } from "./reclaim_orphans.ts";
import type { TaskState } from "../model/task.ts";
import type { TownContext } from "./context.ts";

/** What `reclaim` moved. */
export interface ReclaimReport {
  /** `Backlog`, `Agent("{to}")` or `Listed` (the reference's wording). */
  destination: string;
  /** Task messages moved (or listed). */
  reclaimed: number;
}

/** `tt reclaim`: the dead agents' task messages to the backlog, to an agent, or listed. */
export async function reclaim(
  ctx: TownContext,
  opts: { toBacklog?: boolean; to?: string; from?: string } = {},
): Promise<ReclaimReport> {
  const r = await reclaimInboxes(ctx.store, opts);
  const counted = r.agents.flatMap((a) => a.messages).filter((m) =>
    (m.message?.body.type === "task_assign" || m.message?.body.type === "task") &&
    (r.listOnly ? m.outcome === "listed" : m.outcome === "to_backlog" || m.outcome === "to_agent")
  );
  const destination = r.toBacklog
    ? "Backlog"
    : opts.to !== undefined
    ? `Agent("${opts.to}")`
    : "Listed";
  return { destination, reclaimed: counted.length };
}

/** One orphan task. */
export interface OrphanReport {
  taskId: string;
  assignedTo: string;
  state: TaskState;
  reason: "agent_missing" | "agent_terminal";
}

/** Actions on orphan tasks (`backlog` is an alias of `to_backlog`). */
export type OrphanTaskAction = Exclude<OrphanAction, "to_agent">;

/** `tt reclaim --orphan-tasks`: open tasks whose assignee is gone or finished. */
export async function orphanTasks(
  ctx: TownContext,
  action: OrphanTaskAction,
): Promise<OrphanReport[]> {
  const r = await reclaimOrphanTasks(ctx.store, action);
  return r.orphans.filter((o) => action === "list" || o.done).map((o) => ({
    taskId: o.task.id,
    assignedTo: o.task.assignedTo!,
    state: o.task.state,
    reason: o.reason,
  }));
}
