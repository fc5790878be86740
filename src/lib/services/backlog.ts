/**
 * BacklogService for library users: the backlog commands (`tt backlog add|list|claim|
 * assign-all|remove`) over a library Town, through the service layer (src/service/backlog.ts).
 * Claims are atomic: of many claimers of a task, one wins.
 */
import type { Task } from "../../model/task.ts";
import * as backlog from "../../service/backlog.ts";
import type { BacklogItem } from "../../service/backlog.ts";
import { contextOf } from "../context.ts";
import type { Town } from "../town.ts";

export type { BacklogItem };

/** `tt backlog add`: a pending, unassigned task at the end of the backlog. */
export function add(town: Town, description: string, tags: readonly string[] = []): Promise<Task> {
  return backlog.add(contextOf(town), description, tags);
}

/** `tt backlog list`: the backlog in order. */
export function list(town: Town): Promise<BacklogItem[]> {
  return backlog.list(contextOf(town));
}

/** `tt backlog claim`: gives a backlog task to an agent; the assigned task. */
export function claim(town: Town, taskRef: string, agentRef: string): Promise<Task> {
  return backlog.claim(contextOf(town), taskRef, agentRef);
}

/** `tt backlog assign-all`: gives every backlog task to one agent; the tasks it got. */
export function assignAll(town: Town, agentRef: string): Promise<Task[]> {
  return backlog.assignAll(contextOf(town), agentRef);
}

/** `tt backlog remove`: takes a task out of the backlog and deletes it; the task it was. */
export function remove(town: Town, taskRef: string): Promise<Task> {
  return backlog.remove(contextOf(town), taskRef);
}
