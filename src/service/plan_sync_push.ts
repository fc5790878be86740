/**
 * `tt sync push`: tasks.toml -> Redis. Each entry creates its task once and updates it on
 * later pushes. Descriptions, tags and parents follow the file; a task's state only moves
 * forward (an entry marked done finishes its task; a task an agent already finished is never
 * reopened). Entries with an agent are assigned to it (task_assign message from the
 * conductor); entries without one go to the backlog. Every agent is resolved before anything
 * is written, and a task that exists only in Redis is reported, never deleted.
 */
import { ConfigError, TtError } from "../errors.ts";
import { newEvent, type TownEvent } from "../model/event.ts";
import { parseId, shortId, SUPERVISOR_ID } from "../model/ids.ts";
import { newMessage, truncateSummary } from "../model/message.ts";
import {
  assignTask,
  cancelTask,
  completeTask,
  failTask,
  isTaskTerminal,
  newTask,
  startTask,
  type Task,
  type TaskState,
  taskStateDisplayName,
} from "../model/task.ts";
import { Pipeline } from "../redis/pipeline.ts";
import type { RedisArg } from "../redis/resp.ts";
import { Script } from "../redis/script.ts";
import type { AgentRef } from "../store/agents.ts";
import type { Store } from "../store/store.ts";
import { completeTaskRef, failTaskRef } from "./task_ops.ts";
import { loadPlanFile, type PlanEntry, type PlanFile } from "./plan_file.ts";
import { lineOf } from "./plan_text.ts";
import { type EntryMatch, matchEntries, sameTags, type SyncItem, taskTags } from "./plan_sync.ts";

export interface PushReport {
  file: string;
  created: SyncItem[];
  updated: SyncItem[];
  unchanged: SyncItem[];
  /** Differences push left alone on purpose (Redis is ahead, or assigned elsewhere). */
  notes: string[];
  /** Tasks in Redis that no entry maps to; push never deletes them. */
  onlyInRedis: Task[];
}

const OPEN: readonly TaskState[] = ["pending", "assigned", "running"];

/**
 * Runs the queued writes of a new task only while its hash does not exist, so two pushes of
 * the same file at once create it (and its backlog entry or message) once.
 * KEYS[1] = task hash. ARGV = per command: its argument count, then its arguments.
 */
const CREATE_ONCE = new Script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local i = 1
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return 1
`);

/**
 * Appends a task to the backlog unless it is there already or no longer pending (claimed by
 * an agent meanwhile). KEYS = backlog, task hash. ARGV[1] = task id. Returns 1 when added.
 */
const BACKLOG_ONCE = new Script(`
if redis.call('HGET', KEYS[2], 'state') ~= 'pending' then return 0 end
if redis.call('LPOS', KEYS[1], ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[1])
return 1
`);

function labelOf(ref: AgentRef): string {
  return ref.kind === "agent" ? ref.agent.name : "conductor";
}

/** Resolves each agent reference once; failures are kept so only needed ones are fatal. */
class AgentCache {
  private readonly cache = new Map<string, Promise<AgentRef | Error>>();
  constructor(private readonly store: Store) {}

  get(ref: string): Promise<AgentRef | Error> {
    let r = this.cache.get(ref);
    if (!r) {
      r = this.store.agents.resolve(ref).catch((err: Error) => err);
      this.cache.set(ref, r);
    }
    return r;
  }
}

export async function pushPlan(store: Store, root: string): Promise<PushReport> {
  const pf = await loadPlanFile(root);
  const tasks = await store.tasks.list();
  const matches = await matchEntries(pf.plan.tasks, tasks);
  const agents = new AgentCache(store);
  const targets = await resolveTargets(pf, matches, agents);
  const idOf = new Map(matches.map((m) => [m.entry.id, m.taskId]));
  const report: PushReport = {
    file: pf.file,
    created: [],
    updated: [],
    unchanged: [],
    notes: [],
    onlyInRedis: [],
  };
  for (const m of matches) {
    const parentId = m.entry.parent === undefined
      ? undefined
      : parseId(m.entry.parent) ?? idOf.get(m.entry.parent);
    const agentRef = m.entry.agent;
    const target = targets.get(m.index) ??
      (agentRef === undefined ? undefined : await agents.get(agentRef));
    const to = target instanceof Error ? undefined : target;
    if (!m.task) {
      const changes = await create(store, m, parentId, to);
      if (changes) {
        report.created.push({ id: m.entry.id, taskId: m.taskId, changes });
        continue;
      }
    }
    // Created by someone else since we listed the tasks (another push): update it instead.
    const task = m.task ?? await store.tasks.get(m.taskId);
    if (!task) throw new TtError(`task ${shortId(m.taskId)} vanished during the push; push again`);
    const changes = await update(store, m.entry, task, parentId, to, report.notes);
    const item = { id: m.entry.id, taskId: task.id, changes };
    (changes.length ? report.updated : report.unchanged).push(item);
  }
  const mapped = new Set(matches.map((m) => m.taskId));
  report.onlyInRedis = tasks.filter((t) => !mapped.has(t.id));
  return report;
}

/**
 * The agent of every entry that will be assigned now (a new open entry, or a pending task),
 * resolved before any write: one unknown agent stops the push with the entry's file line.
 */
async function resolveTargets(
  pf: PlanFile,
  matches: EntryMatch[],
  agents: AgentCache,
): Promise<Map<number, AgentRef>> {
  const out = new Map<number, AgentRef>();
  for (const m of matches) {
    const ref = m.entry.agent;
    if (ref === undefined || isTaskTerminal(m.entry.status)) continue;
    if (m.task && m.task.state !== "pending") continue;
    const r = await agents.get(ref);
    if (r instanceof TtError) {
      const line = lineOf(pf.blocks?.[m.index], "agent");
      const where = line === undefined ? pf.file : `${pf.file}:${line}`;
      throw new ConfigError(`${where}: task #${m.index + 1} ("${m.entry.id}"): ${r.message}`);
    }
    if (r instanceof Error) throw r;
    out.set(m.index, r);
  }
  return out;
}

function finish(task: Task, state: TaskState): Task {
  if (state === "completed") return completeTask(task, "Completed via sync");
  if (state === "failed") return failTask(task, "Failed via sync");
  return cancelTask(task, "Cancelled via sync");
}

function assignEvent(task: Task, to: AgentRef): TownEvent {
  return newEvent(
    "task_assigned",
    `Task ${shortId(task.id)} assigned from tasks.toml: ${truncateSummary(task.description, 60)}`,
    { agentId: to.id, taskId: task.id, newState: taskStateDisplayName("assigned") },
  );
}

/**
 * Creates the entry's task in one atomic step (with its message, or its backlog entry);
 * undefined when the task exists already.
 */
async function create(
  store: Store,
  m: EntryMatch,
  parentId: string | undefined,
  to: AgentRef | undefined,
): Promise<string[] | undefined> {
  const { entry } = m;
  let task = newTask(entry.description, {
    id: m.taskId,
    tags: taskTags(entry, m.taskId),
    parentId,
  });
  const queued: RedisArg[] = [];
  const tx = new Pipeline((cmds) => {
    for (const cmd of cmds) queued.push(cmd.length, ...cmd);
    return Promise.resolve([]);
  });
  let what: string;
  if (isTaskTerminal(entry.status)) {
    if (to) task = assignTask(task, to.id);
    task = finish(task, entry.status);
    store.tasks.createTo(tx, task);
    what = entry.status;
  } else if (to) {
    task = assignTask(task, to.id);
    if (entry.status === "running") task = startTask(task);
    const message = newMessage(SUPERVISOR_ID, to.id, { type: "task_assign", taskId: task.id });
    store.events.addTo(
      store.mailbox.sendTo(store.tasks.createTo(tx, task), message),
      assignEvent(task, to),
    );
    what = `assigned to ${labelOf(to)}`;
  } else {
    store.tasks.createTo(tx, task, { backlog: true });
    what = "in the backlog";
  }
  await tx.exec();
  const r = await store.redis.evalScript(CREATE_ONCE, [store.keys.task(task.id)], queued);
  return r === 1 ? [what] : undefined;
}

/** Brings an existing task in line with its entry; returns what changed. */
async function update(
  store: Store,
  entry: PlanEntry,
  task: Task,
  parentId: string | undefined,
  to: AgentRef | undefined,
  notes: string[],
): Promise<string[]> {
  const changes: string[] = [];
  const next: Task = { ...task, updatedAt: new Date() };
  if (task.description !== entry.description) {
    next.description = entry.description;
    changes.push("description");
  }
  const tags = taskTags(entry, task.id);
  if (!sameTags(task.tags, tags)) {
    next.tags = tags;
    changes.push("tags");
  }
  if (task.parentId !== parentId) {
    if (parentId === undefined) delete next.parentId;
    else next.parentId = parentId;
    changes.push("parent");
  }
  if (changes.length) {
    await store.tasks.update(next, ["description", "tags", "parentId", "updatedAt"]);
  }
  const name = `'${entry.id}'`;
  if (isTaskTerminal(entry.status)) {
    if (!isTaskTerminal(task.state)) {
      if (await end(store, task, entry.status, (n) => notes.push(`${name}: ${n}`))) {
        changes.push(entry.status);
      }
    } else if (task.state !== entry.status) {
      notes.push(`${name}: the file says ${entry.status}, Redis has ${task.state}; kept Redis`);
    }
  } else if (isTaskTerminal(task.state)) {
    notes.push(
      `${name}: already ${task.state} in Redis; '${entry.status}' in the file does not reopen ` +
        "it (run 'tt sync pull' to update the file)",
    );
  } else if (task.state === "pending") {
    if (to) {
      if (await assignPending(store, task, to)) changes.push(`assigned to ${labelOf(to)}`);
      else notes.push(`${name}: changed in Redis during the push; not assigned`);
    } else {
      const keys = [store.keys.backlog, store.keys.task(task.id)];
      if ((await store.redis.evalScript(BACKLOG_ONCE, keys, [task.id])) === 1) {
        changes.push("added to the backlog");
      }
    }
  } else if (to && to.id !== task.assignedTo) {
    notes.push(
      `${name}: Redis has it ${task.state} by another agent than the file's ` +
        `'${labelOf(to)}'; left as is`,
    );
  }
  return changes;
}

/** A pending task goes to its agent: claimed out of the backlog, or assigned directly. */
async function assignPending(store: Store, task: Task, to: AgentRef): Promise<boolean> {
  const message = newMessage(SUPERVISOR_ID, to.id, { type: "task_assign", taskId: task.id });
  let ok = (await store.tasks.claim(task.id, to.id, message)) === "claimed";
  if (!ok) {
    // Pending but not in the backlog (tinytown's push creates such tasks).
    const assigned = assignTask(task, to.id);
    const w = await store.tasks.update(assigned, ["state", "assignedTo", "updatedAt"], ["pending"]);
    if (w === "written") {
      await store.mailbox.send(message);
      ok = true;
    }
  }
  if (ok) await store.events.emit(assignEvent(task, to));
  return ok;
}

/** Finishes an open task as the file says; false when it changed meanwhile. */
async function end(
  store: Store,
  task: Task,
  state: TaskState,
  note: (text: string) => void,
): Promise<boolean> {
  try {
    if (state === "completed") await completeTaskRef(store, task.id, "Completed via sync");
    else if (state === "failed") await failTaskRef(store, task.id, "Failed via sync");
    else {
      const done = finish(task, state);
      const props = ["state", "result", "completedAt", "updatedAt"] as const;
      if ((await store.tasks.update(done, props, OPEN)) !== "written") return false;
      if (task.assignedTo && task.assignedTo !== SUPERVISOR_ID) {
        await store.agents.releaseTask(task.assignedTo, task.id);
      }
      await store.events.emit(
        newEvent("task_cancelled", `Task ${shortId(task.id)} cancelled via sync`, {
          agentId: task.assignedTo,
          taskId: task.id,
          oldState: taskStateDisplayName(task.state),
          newState: taskStateDisplayName("cancelled"),
        }),
      );
    }
  } catch (err) {
    if (!(err instanceof TtError)) throw err;
    note(err.message);
    return false;
  }
  await store.redis.lrem(store.keys.backlog, 0, task.id);
  return true;
}
