/**
 * TaskService for library users: the task commands (`tt assign`, `tt task complete|fail|show|
 * list|current`) over a library Town, through the service layer (src/service/tasks.ts).
 */
import type { Task, TaskState } from "../../model/task.ts";
import * as tasks from "../../service/tasks.ts";
import type { TaskEnd } from "../../service/tasks.ts";
import { contextOf } from "../context.ts";
import type { Town } from "../town.ts";

export type { TaskEnd };

/** `tt assign`: a new task assigned to the agent, with its task_assign message. */
export function assign(town: Town, agentRef: string, description: string): Promise<Task> {
  return tasks.assign(contextOf(town), agentRef, description);
}

/** `tt task complete`: completes the task (id or 4+ character prefix), `result` stored. */
export function complete(town: Town, ref: string, result?: string): Promise<TaskEnd> {
  return tasks.complete(contextOf(town), ref, result);
}

/** `tt task fail`: fails an open task, `reason` stored as its result. */
export function fail(town: Town, ref: string, reason?: string): Promise<TaskEnd> {
  return tasks.fail(contextOf(town), ref, reason);
}

/** `tt task show`: the task by id or 4+ character id prefix. */
export function get(town: Town, ref: string): Promise<Task> {
  return tasks.get(contextOf(town), ref);
}

/** `tt task list`: tasks oldest first, optionally of one state and/or one assignee. */
export function list(
  town: Town,
  filter: { state?: TaskState; agent?: string } = {},
): Promise<Task[]> {
  return tasks.list(contextOf(town), filter);
}

/**
 * `tt task current`: the task the agent is on — the one its `current_task` names, else its
 * only open task — or null.
 */
export function currentForAgent(town: Town, agentRef: string): Promise<Task | null> {
  return tasks.currentForAgent(contextOf(town), agentRef);
}

/** Points the agent's `current_task` at a task (the agent loop does this for its work). */
export function setCurrentForAgent(town: Town, agentRef: string, taskId: string): Promise<void> {
  return tasks.setCurrentForAgent(contextOf(town), agentRef, taskId);
}
