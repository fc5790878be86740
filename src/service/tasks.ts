/**
 * TaskService: the task commands (`tt assign`, `tt task complete|fail|show|list|current`) as
 * functions over an open Town. They return data and throw typed errors; nothing is printed.
 */
import type { Task, TaskState } from "../model/task.ts";
import { assignNewTask, completeTaskRef, currentTask, failTaskRef, listTasks } from "./task_ops.ts";
import { contextOf } from "../lib/context.ts";
import type { Town } from "../lib/town.ts";

/** `tt assign`: a new task assigned to the agent, with its task_assign message. */
export async function assign(town: Town, agentRef: string, description: string): Promise<Task> {
  return (await assignNewTask(contextOf(town).store, agentRef, description)).task;
}

/** What completing or failing a task did. */
export interface TaskEnd {
  /** The task as stored now. */
  task: Task;
  /** Its state before. */
  previous: TaskState;
  /** The assignee's `current_task` named this task and was cleared. */
  clearedCurrentTask: boolean;
  /** The assignee's new `tasks_completed`, when this completion counted (once per task). */
  tasksCompleted?: number;
}

/** `tt task complete`: completes the task (id or 4+ character prefix), `result` stored. */
export async function complete(town: Town, ref: string, result?: string): Promise<TaskEnd> {
  const r = await completeTaskRef(contextOf(town).store, ref, result);
  return {
    task: r.task,
    previous: r.previous,
    clearedCurrentTask: r.clearedCurrent,
    ...(r.tasksCompleted !== undefined ? { tasksCompleted: r.tasksCompleted } : {}),
  };
}

/** `tt task fail`: fails an open task, `reason` stored as its result. */
export async function fail(town: Town, ref: string, reason?: string): Promise<TaskEnd> {
  const r = await failTaskRef(contextOf(town).store, ref, reason);
  return { task: r.task, previous: r.previous, clearedCurrentTask: r.clearedCurrent };
}

/** `tt task show`: the task by id or 4+ character id prefix. */
export async function get(town: Town, ref: string): Promise<Task> {
  return await contextOf(town).store.tasks.find(ref);
}

/** `tt task list`: tasks oldest first, optionally of one state and/or one assignee. */
export async function list(
  town: Town,
  filter: { state?: TaskState; agent?: string } = {},
): Promise<Task[]> {
  return (await listTasks(contextOf(town).store, filter)).map((v) => v.task);
}

/**
 * `tt task current`: the task the agent is on — the one its `current_task` names, else its
 * only open task — or null.
 */
export async function currentForAgent(town: Town, agentRef: string): Promise<Task | null> {
  const ctx = contextOf(town);
  return (await currentTask(ctx.store, agentRef, ctx.env)).task ?? null;
}

/** Points the agent's `current_task` at a task (the agent loop does this for its work). */
export async function setCurrentForAgent(
  town: Town,
  agentRef: string,
  taskId: string,
): Promise<void> {
  const { store } = contextOf(town);
  const agent = await store.agents.resolveAgent(agentRef);
  const task = await store.tasks.find(taskId);
  await store.agents.update({ ...agent, currentTask: task.id }, ["currentTask"]);
}
