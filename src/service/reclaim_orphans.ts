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
import { Script } from "../redis/script.ts";
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

/**
 * Acts on one orphan only if it is still an orphan of the same assignee. KEYS = task hash,
 * backlog, tasks index, destination inbox, assignee hash. ARGV = assignee id, action, task id,
 * now, reason or new assignee, task_assign message. Returns 1 done, 0 no longer an orphan.
 */
const ORPHAN_ACTION = new Script(`
local st = redis.call('HGET', KEYS[1], 'state')
if st ~= 'pending' and st ~= 'assigned' and st ~= 'running' then return 0 end
if redis.call('HGET', KEYS[1], 'assigned_to') ~= ARGV[1] then return 0 end
local ast = redis.call('HGET', KEYS[5], 'state')
if ast and ast ~= 'stopped' and ast ~= 'error' and ast ~= 'cold' then return 0 end
local a = ARGV[2]
if a == 'to_backlog' then
  redis.call('HSET', KEYS[1], 'state', 'pending', 'updated_at', ARGV[4])
  redis.call('HDEL', KEYS[1], 'assigned_to', 'started_at')
  if not redis.call('LPOS', KEYS[2], ARGV[3]) then redis.call('RPUSH', KEYS[2], ARGV[3]) end
elseif a == 'cancel' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'result', ARGV[5], 'completed_at', ARGV[4],
    'updated_at', ARGV[4])
elseif a == 'delete' then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[3], ARGV[3])
  redis.call('LREM', KEYS[2], 0, ARGV[3])
elseif a == 'to_agent' then
  redis.call('HSET', KEYS[1], 'state', 'assigned', 'assigned_to', ARGV[5], 'updated_at', ARGV[4])
  redis.call('HDEL', KEYS[1], 'started_at')
  redis.call('RPUSH', KEYS[4], ARGV[6])
else
  return redis.error_reply('unknown orphan action')
end
return 1
`);

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
    const r = await store.redis.evalScript(ORPHAN_ACTION, [
      store.keys.task(id),
      store.keys.backlog,
      store.keys.tasksIndex,
      store.keys.inbox(to?.id ?? SUPERVISOR_ID),
      store.keys.agent(o.task.assignedTo!),
    ], [
      o.task.assignedTo!,
      action,
      id,
      hashTime(now),
      to ? to.id : CANCEL_REASON[o.reason],
      message,
    ]);
    o.done = r === 1;
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
