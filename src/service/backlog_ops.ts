/**
 * The backlog: unassigned tasks waiting in `tt:{town}:backlog` for an agent to claim. Claims
 * are atomic (one Lua step takes the id out of the backlog, assigns the task and delivers the
 * task_assign message), so any number of agents may race for the same task and one wins.
 */
import { type RoleBucket, roleBucket, roleHint, taskMatchesRole } from "../agent/roles.ts";
import { TaskNotFoundError, TtError, UsageError } from "../errors.ts";
import { type Agent, displayLabel } from "../model/agent.ts";
import { newEvent } from "../model/event.ts";
import { shortId, SUPERVISOR_ID } from "../model/ids.ts";
import { newMessage, truncateSummary } from "../model/message.ts";
import { newTask, type Task, taskFromHash, taskStateDisplayName } from "../model/task.ts";
import type { AgentRef } from "../store/agents.ts";
import type { ClaimOutcome } from "../store/tasks.ts";
import { loadHashes } from "../store/records.ts";
import type { Store } from "../store/store.ts";

/** `--tags a, b,,c` -> `["a", "b", "c"]` (tinytown keeps empty pieces; they match nothing). */
export function parseTags(list: string | undefined): string[] {
  if (list === undefined) return [];
  return list.split(",").map((t) => t.trim()).filter((t) => t !== "");
}

/** Creates a pending, unassigned task and appends it to the backlog (one transaction). */
export async function addToBacklog(
  store: Store,
  description: string,
  tags: readonly string[] = [],
): Promise<Task> {
  if (description.trim() === "") throw new UsageError("task description is empty");
  const task = newTask(description, { tags: [...tags] });
  await store.tasks.create(task, { backlog: true });
  return task;
}

/** One backlog position: the id, and its task unless the record is gone. */
export interface BacklogEntry {
  id: string;
  task?: Task;
}

/** The backlog in order (ids that are not UUIDs are skipped, as tinytown does). */
export async function listBacklog(store: Store): Promise<BacklogEntry[]> {
  const ids = await store.tasks.backlogIds();
  const records = await loadHashes(store.redis, ids.map((id) => store.keys.task(id)));
  return ids.map((id, i) => {
    let task: Task | undefined;
    try {
      task = taskFromHash(records[i]);
    } catch {
      task = undefined; // an unreadable record is as good as missing here
    }
    return task ? { id, task } : { id };
  });
}

export interface BacklogForAgent {
  agent: Agent;
  bucket: RoleBucket;
  hint: string;
  /** Backlog length, counting ids whose task is gone. */
  total: number;
  /** The role-matching tasks, in backlog order. */
  matching: Task[];
}

/** The backlog tasks an agent's loop would offer it (role matching as in the agent loop). */
export async function backlogForAgent(store: Store, agentRef: string): Promise<BacklogForAgent> {
  const agent = await store.agents.resolveAgent(
    agentRef,
    "the conductor has no role; name an agent",
  );
  const bucket = roleBucket(agent.name, agent.roleId);
  const entries = await listBacklog(store);
  const matching = entries
    .map((e) => e.task)
    .filter((t): t is Task => t !== undefined && taskMatchesRole(bucket, t));
  return { agent, bucket, hint: roleHint(bucket), total: entries.length, matching };
}

export interface ClaimResult {
  task: Task;
  agentId: string;
  /** Label of the agent, or `conductor`. */
  label: string;
}

function labelOf(ref: AgentRef): string {
  return ref.kind === "agent" ? displayLabel(ref.agent) : "conductor";
}

/**
 * Gives a backlog task to an agent. The agent is resolved before anything changes; then one
 * atomic step removes the id from the backlog, assigns the task and delivers the task_assign
 * message from the conductor. Losing a race, or claiming a task that is not waiting in the
 * backlog, is an error naming who has it.
 */
export async function claimFromBacklog(
  store: Store,
  taskRef: string,
  agentRef: string,
): Promise<ClaimResult> {
  const to = await store.agents.resolve(agentRef);
  const task = await store.tasks.find(taskRef);
  const outcome = await claimResolved(store, task, to);
  if (outcome === "claimed") {
    const claimed = { ...task, state: "assigned" as const, assignedTo: to.id };
    return { task: claimed, agentId: to.id, label: labelOf(to) };
  }
  if (outcome === "missing") throw new TaskNotFoundError(taskRef);
  // Read again: the task may have been claimed or finished since we looked it up.
  const now = (await store.tasks.get(task.id)) ?? task;
  throw new TtError(await notClaimableReason(store, now, outcome));
}

/** The claim itself, for a resolved agent and task; emits task_assigned when it wins. */
async function claimResolved(
  store: Store,
  task: Task,
  to: AgentRef,
): Promise<ClaimOutcome> {
  const message = newMessage(SUPERVISOR_ID, to.id, { type: "task_assign", taskId: task.id });
  const outcome = await store.tasks.claim(task.id, to.id, message);
  if (outcome === "claimed") {
    await store.events.emit(newEvent(
      "task_assigned",
      `Task ${shortId(task.id)} claimed from the backlog by ${labelOf(to)}: ${
        truncateSummary(task.description, 60)
      }`,
      {
        agentId: to.id,
        taskId: task.id,
        oldState: taskStateDisplayName(task.state),
        newState: taskStateDisplayName("assigned"),
      },
    ));
  }
  return outcome;
}

async function notClaimableReason(
  store: Store,
  task: Task,
  outcome: "not-in-backlog" | "finished",
): Promise<string> {
  const id = shortId(task.id);
  if (outcome === "finished") {
    return `task ${id} is already ${task.state}; nothing to claim (dropped it from the backlog)`;
  }
  if (task.assignedTo !== undefined && task.state !== "pending") {
    const who = await assigneeLabel(store, task.assignedTo);
    return `task ${id} is already claimed by ${who} (state: ${task.state})`;
  }
  return `task ${id} is not in the backlog (it is ${task.state}); add work with 'tt backlog add'`;
}

async function assigneeLabel(store: Store, id: string): Promise<string> {
  if (id === SUPERVISOR_ID) return "conductor";
  const agent = await store.agents.get(id);
  return agent ? displayLabel(agent) : shortId(id);
}

export interface AssignAllResult {
  agentId: string;
  label: string;
  /** Tasks now assigned to the agent, in backlog order. */
  assigned: Task[];
  /** Backlog ids dropped because their task is gone or already finished. */
  dropped: string[];
}

/**
 * Gives every backlog task to one agent, in backlog order, each with its own atomic claim (so
 * an agent claiming at the same time takes a task away cleanly rather than sharing it).
 */
export async function assignAllFromBacklog(
  store: Store,
  agentRef: string,
): Promise<AssignAllResult> {
  const to = await store.agents.resolve(agentRef);
  const assigned: Task[] = [];
  const dropped: string[] = [];
  const seen = new Set<string>();
  for (const entry of await listBacklog(store)) {
    if (seen.has(entry.id)) {
      // A repeated id (reclaim can push one twice): the task is already taken by this run.
      await store.redis.lrem(store.keys.backlog, 1, entry.id);
      continue;
    }
    seen.add(entry.id);
    if (!entry.task) {
      await store.redis.lrem(store.keys.backlog, 0, entry.id);
      dropped.push(entry.id);
      continue;
    }
    const outcome = await claimResolved(store, entry.task, to);
    if (outcome === "claimed") {
      assigned.push({ ...entry.task, state: "assigned", assignedTo: to.id });
    } else if (outcome === "finished" || outcome === "missing") {
      if (outcome === "missing") await store.redis.lrem(store.keys.backlog, 0, entry.id);
      dropped.push(entry.id);
    }
    // "not-in-backlog": someone else claimed it meanwhile; it is theirs.
  }
  return { agentId: to.id, label: labelOf(to), assigned, dropped };
}

/**
 * Takes a task out of the backlog and deletes it, as tinytown does. A task that is not in
 * the backlog is left alone (it belongs to an agent or is finished): that is an error.
 */
export async function removeFromBacklog(store: Store, taskRef: string): Promise<Task> {
  const task = await store.tasks.find(taskRef);
  const removed = await store.redis.lrem(store.keys.backlog, 0, task.id);
  if (removed === 0) {
    throw new TtError(
      `task ${shortId(task.id)} is not in the backlog (it is ${task.state}); nothing removed`,
    );
  }
  await store.tasks.delete(task.id);
  await store.events.emit(newEvent(
    "task_cancelled",
    `Task ${shortId(task.id)} removed from the backlog and deleted: ${
      truncateSummary(task.description, 60)
    }`,
    { taskId: task.id, oldState: taskStateDisplayName(task.state) },
  ));
  return task;
}
