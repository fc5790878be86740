/**
 * BacklogService: the backlog commands (`tt backlog add|list|claim|assign-all|remove`) as
 * functions over an opened town (TownContext). Claims are atomic: of many claimers of a task, one
 * wins.
 */
import type { Task } from "../model/task.ts";
import {
  addToBacklog,
  assignAllFromBacklog,
  claimFromBacklog,
  listBacklog,
  removeFromBacklog,
} from "./backlog_ops.ts";
import type { TownContext } from "./context.ts";

/** `tt backlog add`: a pending, unassigned task at the end of the backlog. */
export async function add(
  ctx: TownContext,
  description: string,
  tags: readonly string[] = [],
): Promise<Task> {
  return await addToBacklog(ctx.store, description, tags);
}

/** One place in the backlog. */
export interface BacklogItem {
  /** The task id. */
  id: string;
  /** The task, unless its record is gone. */
  task?: Task;
}

/** `tt backlog list`: the backlog in order. */
export async function list(ctx: TownContext): Promise<BacklogItem[]> {
  return await listBacklog(ctx.store);
}

/** `tt backlog claim`: gives a backlog task to an agent; the assigned task. */
export async function claim(ctx: TownContext, taskRef: string, agentRef: string): Promise<Task> {
  return (await claimFromBacklog(ctx.store, taskRef, agentRef)).task;
}

/** `tt backlog assign-all`: gives every backlog task to one agent; the tasks it got. */
export async function assignAll(ctx: TownContext, agentRef: string): Promise<Task[]> {
  return (await assignAllFromBacklog(ctx.store, agentRef)).assigned;
}

/** `tt backlog remove`: takes a task out of the backlog and deletes it; the task it was. */
export async function remove(ctx: TownContext, taskRef: string): Promise<Task> {
  return await removeFromBacklog(ctx.store, taskRef);
}
