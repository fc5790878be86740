/**
 * Task work: assigning a new task to an agent, completing and failing tasks (with the agent's
 * counters and current-task pointer), and the read views behind `tt task` and `tt tasks`.
 */
import { AgentNotFoundError, TaskNotFoundError, TtError, UsageError } from "../errors.ts";
import { type Agent, displayLabel } from "../model/agent.ts";
import { newEvent } from "../model/event.ts";
import { parseId, shortId, SUPERVISOR_ID } from "../model/ids.ts";
import { newMessage, truncateSummary } from "../model/message.ts";
import {
  assignTask,
  completeTask,
  failTask,
  isTaskTerminal,
  newTask,
  type Task,
  TASK_STATES,
  type TaskState,
  taskStateDisplayName,
} from "../model/task.ts";
import type { AgentRef } from "../store/agents.ts";
import type { Store } from "../store/store.ts";
import { type Env, processEnv } from "../town/env.ts";
import { checkMessageSize, messageBytes } from "./message_send.ts";

/** States a task can still leave by completing or failing (and count as done once). */
const OPEN_STATES: readonly TaskState[] = ["pending", "assigned", "running"];

/** Properties a completion or failure writes. */
const END_PROPS: readonly (keyof Task)[] = ["state", "result", "completedAt", "updatedAt"];

/** Labels of task assignees: agent label, `conductor`, or the short id of a gone agent. */
export class AssigneeLabels {
  private constructor(private readonly agents: Map<string, Agent>) {}

  static async load(store: Store): Promise<AssigneeLabels> {
    return new AssigneeLabels(new Map((await store.agents.list()).map((a) => [a.id, a])));
  }

  label(id: string | undefined): string {
    if (id === undefined) return "unassigned";
    if (id === SUPERVISOR_ID) return "conductor";
    const agent = this.agents.get(id);
    return agent ? displayLabel(agent) : shortId(id);
  }
}

export interface AssignResult {
  task: Task;
  agentId: string;
  label: string;
}

/**
 * Creates a task assigned to the agent and sends it a `task_assign` message from the
 * conductor, with a `task_assigned` event, all in one transaction: no task without its message.
 */
export async function assignNewTask(
  store: Store,
  agentRef: string,
  description: string,
): Promise<AssignResult> {
  if (description.trim() === "") throw new UsageError("task description is empty");
  checkMessageSize(messageBytes(description));
  const to = await store.agents.resolve(agentRef);
  const task = assignTask(newTask(description), to.id);
  return await deliverAssignment(store, to, task, false);
}

/**
 * Assigns a task record the caller built (the library's `assign(task)`): a task without an
 * assignee is assigned to the agent; one assigned to the agent is stored as it is; one
 * assigned to someone else is refused. Saved whole, with its message and event, in one
 * transaction.
 */
export async function assignTaskRecord(
  store: Store,
  agentRef: string,
  task: Task,
): Promise<AssignResult> {
  if (task.description.trim() === "") throw new UsageError("task description is empty");
  checkMessageSize(messageBytes(task.description));
  const to = await store.agents.resolve(agentRef);
  if (task.assignedTo !== undefined && task.assignedTo !== to.id) {
    throw new TtError(
      `task ${shortId(task.id)} is assigned to ${task.assignedTo}, not to ${to.id}; ` +
        "requeue it first",
    );
  }
  const record = task.assignedTo === undefined ? assignTask(task, to.id) : task;
  return await deliverAssignment(store, to, record, true);
}

/** The task, its task_assign message from the conductor and its event, in one transaction. */
async function deliverAssignment(
  store: Store,
  to: AgentRef,
  task: Task,
  whole: boolean,
): Promise<AssignResult> {
  const label = to.kind === "agent" ? displayLabel(to.agent) : "conductor";
  const message = newMessage(SUPERVISOR_ID, to.id, { type: "task_assign", taskId: task.id });
  const event = newEvent(
    "task_assigned",
    `Task ${shortId(task.id)} assigned: ${truncateSummary(task.description, 60)}`,
    { agentId: to.id, taskId: task.id, newState: taskStateDisplayName(task.state) },
  );
  const tx = whole
    ? store.tasks.saveTo(store.redis.multi(), task)
    : store.tasks.createTo(store.redis.multi(), task);
  await store.events.addTo(store.mailbox.sendTo(tx, message), event).exec();
  return { task, agentId: to.id, label };
}

export interface EndResult {
  task: Task;
  /** State before this command. */
  previous: TaskState;
  assigneeLabel: string;
  /** The assignee's `current_task` named this task and was cleared. */
  clearedCurrent: boolean;
  /** The assignee's new `tasks_completed`, when this completion counted. */
  tasksCompleted?: number;
}

/** Writes an end state; `open` = only while the task is still open. */
async function writeEnd(store: Store, ref: string, task: Task, open: boolean) {
  const r = await store.tasks.update(task, END_PROPS, open ? OPEN_STATES : []);
  if (r === "missing") throw new TaskNotFoundError(ref);
  return r === "written";
}

/** Clears the assignee's pointer to `task` (if it still points there) and records a heartbeat. */
async function release(store: Store, task: Task): Promise<"cleared" | "kept" | "missing"> {
  if (task.assignedTo === undefined || task.assignedTo === SUPERVISOR_ID) return "missing";
  return await store.agents.releaseTask(task.assignedTo, task.id);
}

/**
 * Completes a task from any state (as tinytown allows). The assignee's `tasks_completed` goes
 * up only when this call moved the task out of an open state, so completing twice, or racing
 * another completion, counts once.
 */
export async function completeTaskRef(
  store: Store,
  ref: string,
  result?: string,
): Promise<EndResult> {
  const task = await store.tasks.find(ref);
  const done = completeTask(task, result ?? "Completed");
  // The guarded write decides who moved it out of an open state; a lost race is no error.
  const counted = !isTaskTerminal(task.state) && await writeEnd(store, ref, done, true);
  if (!counted) await writeEnd(store, ref, done, false);
  const released = await release(store, task);
  let tasksCompleted: number | undefined;
  if (counted && released !== "missing" && task.assignedTo) {
    tasksCompleted = await store.agents.incrementTasksCompleted(task.assignedTo);
  }
  return { ...(await ended(store, task, done, released)), tasksCompleted };
}

/** Fails an open task (tt's own command; a finished task cannot be failed afterwards). */
export async function failTaskRef(store: Store, ref: string, reason?: string): Promise<EndResult> {
  const task = await store.tasks.find(ref);
  const failed = failTask(task, reason ?? "Failed");
  if (isTaskTerminal(task.state) || !(await writeEnd(store, ref, failed, true))) {
    const now = (await store.tasks.get(task.id))?.state ?? task.state;
    throw new TtError(
      `task ${shortId(task.id)} is already ${now}; only pending, assigned or running tasks ` +
        "can be failed",
    );
  }
  const released = await release(store, task);
  return await ended(store, task, failed, released);
}

/** The event and the result shared by complete and fail. */
async function ended(
  store: Store,
  before: Task,
  after: Task,
  released: string,
): Promise<EndResult> {
  const verb = after.state === "completed" ? "completed" : "failed";
  await store.events.emit(newEvent(
    after.state === "completed" ? "task_completed" : "task_failed",
    `Task ${shortId(before.id)} ${verb}: ${truncateSummary(after.result ?? "", 60)}`,
    {
      agentId: before.assignedTo,
      taskId: before.id,
      oldState: taskStateDisplayName(before.state),
      newState: taskStateDisplayName(after.state),
    },
  ));
  return {
    task: after,
    previous: before.state,
    assigneeLabel: (await AssigneeLabels.load(store)).label(before.assignedTo),
    clearedCurrent: released === "cleared",
  };
}

export interface TaskView {
  task: Task;
  assigneeLabel: string;
}

export async function showTask(store: Store, ref: string): Promise<TaskView> {
  const task = await store.tasks.find(ref);
  return { task, assigneeLabel: (await AssigneeLabels.load(store)).label(task.assignedTo) };
}

/** Parses a `--state` value (any case; `in_flight` means running). */
export function parseStateFilter(s: string): TaskState {
  const state = s.trim().toLowerCase();
  if ((TASK_STATES as readonly string[]).includes(state)) return state as TaskState;
  if (state === "in_flight") return "running";
  throw new UsageError(`unknown task state '${s}' (one of: ${TASK_STATES.join(", ")})`);
}

/** Tasks, oldest first, optionally only one state and/or one assignee. */
export async function listTasks(
  store: Store,
  filter: { state?: TaskState; agent?: string } = {},
): Promise<TaskView[]> {
  const agentId = filter.agent === undefined
    ? undefined
    : (await store.agents.resolve(filter.agent)).id;
  const [tasks, labels] = await Promise.all([store.tasks.list(), AssigneeLabels.load(store)]);
  return tasks
    .filter((t) => filter.state === undefined || t.state === filter.state)
    .filter((t) => agentId === undefined || t.assignedTo === agentId)
    .map((task) => ({ task, assigneeLabel: labels.label(task.assignedTo) }));
}

export interface CurrentView {
  agentId: string;
  label: string;
  task?: Task;
}

/** The agent a command runs for: the reference, else the agent loop's environment. */
async function currentAgent(
  store: Store,
  ref: string | undefined,
  env: Env,
): Promise<{ id: string; agent?: Agent }> {
  if (ref !== undefined) {
    const r = await store.agents.resolve(ref);
    return r.kind === "agent" ? { id: r.id, agent: r.agent } : { id: r.id };
  }
  const envId = parseId(env.get("TINYTOWN_AGENT_ID")?.trim() ?? "");
  const byId = envId ? await store.agents.get(envId) : undefined;
  if (byId) return { id: byId.id, agent: byId };
  const envName = env.get("TINYTOWN_AGENT_NAME");
  if (envName?.trim()) {
    const r = await store.agents.resolve(envName);
    return r.kind === "agent" ? { id: r.id, agent: r.agent } : { id: r.id };
  }
  throw new AgentNotFoundError(
    "(current agent)",
    "no current agent: TINYTOWN_AGENT_ID / TINYTOWN_AGENT_NAME (set inside an agent loop) " +
      "name no agent; pass an agent name or id",
  );
}

/**
 * The task an agent is on: the one its `current_task` names (none if that task is gone), or
 * else its only open task (none when it has zero or several).
 */
export async function currentTask(
  store: Store,
  ref?: string,
  env: Env = processEnv,
): Promise<CurrentView> {
  const { id, agent } = await currentAgent(store, ref, env);
  const label = agent ? displayLabel(agent) : "conductor";
  if (agent?.currentTask) {
    return { agentId: id, label, task: await store.tasks.get(agent.currentTask) };
  }
  const open = (await store.tasks.list()).filter((t) =>
    t.assignedTo === id && !isTaskTerminal(t.state)
  );
  return { agentId: id, label, task: open.length === 1 ? open[0] : undefined };
}

export interface TaskGroup {
  /** Assignee id, or undefined for unassigned tasks. */
  agentId?: string;
  label: string;
  active: number;
  done: number;
  /** Open tasks first (oldest first), then finished ones (newest first). */
  tasks: Task[];
}

export interface TasksOverview {
  total: number;
  counts: Record<TaskState, number>;
  backlog: number;
  groups: TaskGroup[];
}

/**
 * Counts per state over all tasks, the backlog length, and tasks grouped by assignee (agents
 * in creation order, then gone assignees, then unassigned); `state` narrows the groups.
 */
export async function tasksOverview(
  store: Store,
  filter: { state?: TaskState } = {},
): Promise<TasksOverview> {
  const [tasks, agents, backlog] = await Promise.all([
    store.tasks.list(),
    store.agents.list(),
    store.tasks.backlogLength(),
  ]);
  const labels = await AssigneeLabels.load(store);
  const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
  for (const t of tasks) counts[t.state]++;
  const order = new Map<string | undefined, number>(agents.map((a, i) => [a.id, i]));
  const byAssignee = new Map<string | undefined, Task[]>();
  for (const t of tasks) {
    if (filter.state !== undefined && t.state !== filter.state) continue;
    byAssignee.set(t.assignedTo, [...(byAssignee.get(t.assignedTo) ?? []), t]);
  }
  const rank = (id: string | undefined) =>
    id === undefined ? Infinity : order.get(id) ?? agents.length;
  const groups = [...byAssignee.entries()]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([agentId, list]): TaskGroup => {
      const open = list.filter((t) => !isTaskTerminal(t.state));
      const finished = list.filter((t) => isTaskTerminal(t.state)).reverse();
      return {
        agentId,
        label: agentId === undefined ? "(unassigned)" : labels.label(agentId),
        active: open.length,
        done: finished.length,
        tasks: [...open, ...finished],
      };
    });
  return { total: tasks.length, counts, backlog, groups };
}
