/**
 * TaskService: the task commands (`tt assign`, `tt task complete|fail|show|list|current`) as
 * functions over an opened town (TownContext). They return data and throw typed errors; nothing is
 * printed.
 */
import type { Task, TaskState } from "../model/task.ts";
import { assignNewTask, completeTaskRef, currentTask, failTaskRef, listTasks } from "./task_ops.ts";
import type { TownContext } from "./context.ts";

/** `tt assign`: a new task assigned to the agent, with its task_assign message. */
export async function assign(
  ctx: TownContext,
  agentRef: string,
  description: string,
): Promise<Task> {
  return (await assignNewTask(ctx.store, agentRef, description)).task;
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
export async function complete(ctx: TownContext, ref: string, result?: string): Promise<TaskEnd> {
  const r = await completeTaskRef(ctx.store, ref, result);
  return {
    task: r.task,
    previous: r.previous,
    clearedCurrentTask: r.clearedCurrent,
    ...(r.tasksCompleted !== undefined ? { tasksCompleted: r.tasksCompleted } : {}),
  };
}

/** `tt task fail`: fails an open task, `reason` stored as its result. */
export async function fail(ctx: TownContext, ref: string, reason?: string): Promise<TaskEnd> {
  const r = await failTaskRef(ctx.store, ref, reason);
  return { task: r.task, previous: r.previous, clearedCurrentTask: r.clearedCurrent };
}

/** `tt task show`: the task by id or 4+ character id prefix. */
export async function get(ctx: TownContext, ref: string): Promise<Task> {
  return await ctx.store.tasks.find(ref);
}

/** `tt task list`: tasks oldest first, optionally of one state and/or one assignee. */
export async function list(
  ctx: TownContext,
  filter: { state?: TaskState; agent?: string } = {},
): Promise<Task[]> {
  return (await listTasks(ctx.store, filter)).map((v) => v.task);
}

/**
 * `tt task current`: the task the agent is on — the one its `current_task` names, else its
 * only open task — or null.
 */
export async function currentForAgent(ctx: TownContext, agentRef: string): Promise<Task | null> {
  return (await currentTask(ctx.store, agentRef, ctx.env)).task ?? null;
}

/** Points the agent's `current_task` at a task (the agent loop does this for its work). */
export async function setCurrentForAgent(
  ctx: TownContext,
  agentRef: string,
  taskId: string,
): Promise<void> {
  const { store } = ctx;
  const agent = await store.agents.resolveAgent(agentRef);
  const task = await store.tasks.find(taskId);
  await store.agents.update({ ...agent, currentTask: task.id }, ["currentTask"]);
}
