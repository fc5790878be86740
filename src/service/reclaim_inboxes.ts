/**
 * `tt reclaim`: hands the work of dead agents (state stopped, error or cold) to someone else.
 *
 * Inbox mode looks at everything a dead agent still holds — urgent list, inbox and in-flight
 * lists — and either only lists it (nothing is consumed), or moves it: `--to <agent>` re-addresses
 * each message to that agent, `--to-backlog` puts assigned tasks (and free-text tasks, as new
 * tasks) on the backlog. Orphan mode looks at the task table instead: open tasks whose assignee
 * is gone or dead go to the backlog, to another agent, or are cancelled or deleted.
 *
 * Every move is one Lua script that first checks the item is still where the listing saw it
 * (and the agent still dead), so of many concurrent reclaimers exactly one moves each item.
 */
import { TtError } from "../errors.ts";
import { type Agent, displayLabel, isTerminalState } from "../model/agent.ts";
import { newEvent } from "../model/event.ts";
import { parseId, shortId } from "../model/ids.ts";
import { decodeMessage, encodeMessage, type Message, pushesToFront } from "../model/message.ts";
import { hashTime, jsonTime } from "../model/time.ts";
import { newTask, taskToHash } from "../model/task.ts";
import { Script } from "../redis/script.ts";
import type { Store } from "../store/store.ts";

/** Which of a dead agent's lists a message sits in. */
export type MessageSource = "inflight_urgent" | "urgent" | "inflight" | "inbox";

/** What happened to one message. */
export type ReclaimOutcome =
  | "listed" // list-only: nothing changed
  | "to_backlog" // its task (or a new task for its text) is on the backlog
  | "to_agent" // re-addressed to the destination agent
  | "dead_letter" // unreadable: moved to the dead letters
  | "kept" // no destination for its kind (e.g. a query with only --to-backlog)
  | "skipped" // its task is finished, missing or reassigned: left where it was
  | "taken"; // another reclaimer (or a restarted loop) got it first

export interface ReclaimedMessage {
  agentId: string;
  source: MessageSource;
  raw: string;
  /** Undefined for an entry that cannot be read. */
  message?: Message;
  outcome: ReclaimOutcome;
  /** The task behind a task_assign, or the new backlog task made from a free-text task. */
  taskId?: string;
  detail?: string;
}

export interface DeadMailbox {
  agent: Agent;
  messages: ReclaimedMessage[];
}

export interface InboxReclaimOptions {
  /** Only this dead agent (exact name or id). */
  from?: string;
  toBacklog?: boolean;
  /** Destination agent reference (any form `tt send` accepts, `conductor` included). */
  to?: string;
}

export interface InboxReclaimResult {
  /** Dead agents considered (after `from`). */
  agents: DeadMailbox[];
  toBacklog: boolean;
  to?: { id: string; label: string };
  /** True when nothing was asked to move. */
  listOnly: boolean;
}

const SOURCES: readonly MessageSource[] = ["inflight_urgent", "urgent", "inflight", "inbox"];

/** Lua: return -4 unless the agent (KEYS[1]) is gone or in a terminal state. */
const AGENT_DEAD = `
local ast = redis.call('HGET', KEYS[1], 'state')
if ast and ast ~= 'stopped' and ast ~= 'error' and ast ~= 'cold' then return -4 end
`;

/**
 * Moves one entry. KEYS = agent hash, source list, destination list.
 * ARGV = raw, new value, 'LPUSH' | 'RPUSH'. Returns 1 moved, 0 gone, -4 agent alive.
 */
const MOVE_ENTRY = new Script(`${AGENT_DEAD}
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then return 0 end
redis.call(ARGV[3], KEYS[3], ARGV[2])
return 1
`);

/**
 * A task_assign to the backlog: the task is requeued (pending, unassigned) unless it is
 * finished, missing, or now someone else's. KEYS = agent hash, source list, backlog, task hash.
 * ARGV = raw, task id, dead agent id, updated_at. Returns 1, 0 gone, -1 task missing,
 * -2 task finished, -3 task reassigned, -4 agent alive.
 */
const ASSIGN_TO_BACKLOG = new Script(`${AGENT_DEAD}
local st = redis.call('HGET', KEYS[4], 'state')
if not st then return -1 end
if st == 'completed' or st == 'failed' or st == 'cancelled' then return -2 end
local who = redis.call('HGET', KEYS[4], 'assigned_to')
if who and who ~= ARGV[3] then return -3 end
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[4], 'state', 'pending', 'updated_at', ARGV[4])
redis.call('HDEL', KEYS[4], 'assigned_to', 'started_at')
if not redis.call('LPOS', KEYS[3], ARGV[2]) then redis.call('RPUSH', KEYS[3], ARGV[2]) end
return 1
`);

/**
 * A task_assign to another agent: the message moves and the task is reassigned with it (a
 * running task goes back to assigned), unless it is finished, missing, or someone else's.
 * KEYS = agent hash, source list, destination list, task hash.
 * ARGV = raw, new message, 'LPUSH' | 'RPUSH', dead agent id, new agent id, updated_at.
 * Returns 1, 0 gone, -1 task missing, -2 task finished, -3 task reassigned, -4 agent alive.
 */
const ASSIGN_TO_AGENT = new Script(`${AGENT_DEAD}
local st = redis.call('HGET', KEYS[4], 'state')
if not st then return -1 end
if st == 'completed' or st == 'failed' or st == 'cancelled' then return -2 end
local who = redis.call('HGET', KEYS[4], 'assigned_to')
if who and who ~= ARGV[4] then return -3 end
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[4], 'state', 'assigned', 'assigned_to', ARGV[5], 'updated_at', ARGV[6])
redis.call('HDEL', KEYS[4], 'started_at')
redis.call(ARGV[3], KEYS[3], ARGV[2])
return 1
`);

/**
 * A free-text task to the backlog as a new task. KEYS = agent hash, source list, backlog,
 * new task hash, tasks index. ARGV = raw, task id, field, value... Returns 1, 0, -4.
 */
const TEXT_TO_BACKLOG = new Script(`${AGENT_DEAD}
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[4], unpack(ARGV, 3, #ARGV))
redis.call('SADD', KEYS[5], ARGV[2])
redis.call('RPUSH', KEYS[3], ARGV[2])
return 1
`);

/** Lists the dead agents' messages (read-only), or moves them as `opts` says. */
export async function reclaimInboxes(
  store: Store,
  opts: InboxReclaimOptions = {},
): Promise<InboxReclaimResult> {
  const dead = (await store.agents.list()).filter((a) =>
    isTerminalState(a.state) && (opts.from === undefined || matchesRef(a, opts.from))
  );
  const to = opts.to === undefined ? undefined : await destination(store, opts.to);
  if (to && dead.some((a) => a.id === to.id)) {
    throw new TtError(
      `cannot reclaim to '${opts.to}': it is one of the dead agents being reclaimed; ` +
        "restart it (tt restart) or choose a running agent",
    );
  }
  const toBacklog = opts.toBacklog === true;
  const listOnly = !toBacklog && to === undefined;
  const agents: DeadMailbox[] = [];
  for (const agent of dead) {
    const listed = await readMailbox(store, agent.id);
    const messages: ReclaimedMessage[] = [];
    for (const item of listed) {
      messages.push(listOnly ? item : await moveOne(store, item, toBacklog, to?.id));
    }
    agents.push({ agent, messages });
  }
  await emitReclaimed(store, agents.flatMap((a) => a.messages), to?.label);
  return { agents, toBacklog, ...(to ? { to } : {}), listOnly };
}

/** Everything in a dead agent's lists, in the order its loop would have handled it. */
async function readMailbox(store: Store, agentId: string): Promise<ReclaimedMessage[]> {
  const p = store.redis.pipeline();
  for (const s of SOURCES) p.add("LRANGE", sourceKey(store, agentId, s), 0, -1);
  const lists = (await p.execOrThrow()) as string[][];
  const out: ReclaimedMessage[] = [];
  SOURCES.forEach((source, i) => {
    for (const raw of lists[i]) {
      const r = decodeMessage(raw);
      const item: ReclaimedMessage = { agentId, source, raw, outcome: "listed" };
      if (r.ok) {
        item.message = r.message;
        if (r.message.body.type === "task_assign") {
          const id = parseId(r.message.body.taskId);
          if (id) item.taskId = id;
        }
      } else item.detail = r.reason;
      out.push(item);
    }
  });
  return out;
}

function sourceKey(store: Store, agentId: string, source: MessageSource): string {
  if (source === "inflight_urgent") return store.mailbox.inflightUrgent(agentId);
  return store.keys[source](agentId);
}

async function moveOne(
  store: Store,
  item: ReclaimedMessage,
  toBacklog: boolean,
  to: string | undefined,
): Promise<ReclaimedMessage> {
  const agentKey = store.keys.agent(item.agentId);
  const src = sourceKey(store, item.agentId, item.source);
  const m = item.message;
  const settle = (code: unknown, done: ReclaimOutcome, extra: Partial<ReclaimedMessage> = {}) =>
    code === 1 ? { ...item, ...extra, outcome: done } : { ...item, ...FAILED[code as number] };

  if (!m) {
    const letter = JSON.stringify({
      agent_id: item.agentId,
      reason: `reclaimed: ${item.detail ?? "unreadable"}`,
      raw: item.raw,
      at: jsonTime(new Date()),
    });
    const r = await store.redis.evalScript(MOVE_ENTRY, [agentKey, src, store.keys.deadLetters], [
      item.raw,
      letter,
      "LPUSH",
    ]);
    return settle(r, "dead_letter");
  }
  const kind = m.body.type;
  if (toBacklog && kind === "task_assign" && item.taskId) {
    const r = await store.redis.evalScript(
      ASSIGN_TO_BACKLOG,
      [agentKey, src, store.keys.backlog, store.keys.task(item.taskId)],
      [item.raw, item.taskId, item.agentId, hashTime(new Date())],
    );
    return settle(r, "to_backlog");
  }
  if (toBacklog && m.body.type === "task") {
    const task = newTask(m.body.description);
    const fields = Object.entries(taskToHash(task).set).flat();
    const r = await store.redis.evalScript(
      TEXT_TO_BACKLOG,
      [agentKey, src, store.keys.backlog, store.keys.task(task.id), store.keys.tasksIndex],
      [item.raw, task.id, ...fields],
    );
    return settle(r, "to_backlog", r === 1 ? { taskId: task.id } : {});
  }
  if (to === undefined) return { ...item, outcome: "kept" };
  const urgent = item.source === "urgent" || item.source === "inflight_urgent";
  const redelivered = item.source.startsWith("inflight") || m.redelivered === true;
  const moved: Message = { ...m, to, ...(redelivered ? { redelivered: true } : {}) };
  const dst = urgent ? store.keys.urgent(to) : store.keys.inbox(to);
  // Urgent ones keep their order behind what is already urgent; the rest follow send's rule.
  const side = !urgent && pushesToFront(m.priority) ? "LPUSH" : "RPUSH";
  if (kind === "task_assign" && item.taskId) {
    // The task follows its message, so the new agent owns it (and orphan listings agree).
    const r = await store.redis.evalScript(
      ASSIGN_TO_AGENT,
      [agentKey, src, dst, store.keys.task(item.taskId)],
      [item.raw, encodeMessage(moved), side, item.agentId, to, hashTime(new Date())],
    );
    return settle(r, "to_agent");
  }
  const r = await store.redis.evalScript(MOVE_ENTRY, [agentKey, src, dst], [
    item.raw,
    encodeMessage(moved),
    side,
  ]);
  return settle(r, "to_agent");
}

/** What each non-success code of the move scripts means. */
const FAILED: Record<number, Pick<ReclaimedMessage, "outcome" | "detail">> = {
  0: { outcome: "taken", detail: "moved by someone else meanwhile" },
  [-1]: { outcome: "skipped", detail: "task not found" },
  [-2]: { outcome: "skipped", detail: "task already finished" },
  [-3]: { outcome: "skipped", detail: "task now assigned to another agent" },
  [-4]: { outcome: "taken", detail: "agent is running again" },
};

async function emitReclaimed(
  store: Store,
  items: readonly ReclaimedMessage[],
  toLabel: string | undefined,
): Promise<void> {
  const events = items
    .filter((i) => (i.outcome === "to_backlog" || i.outcome === "to_agent") && i.message)
    .filter((i) => i.taskId || i.message!.body.type === "task")
    .map((i) =>
      newEvent(
        "task_reclaimed",
        i.outcome === "to_backlog"
          ? `Task ${i.taskId ? shortId(i.taskId) : ""} reclaimed to the backlog`
          : `Task message reclaimed to ${toLabel}`,
        { agentId: i.agentId, ...(i.taskId ? { taskId: i.taskId } : {}) },
      )
    );
  await store.events.emit(...events);
}

/** Resolves `--to`; with `live`, a stopped agent is refused. */
export async function destination(store: Store, ref: string, live = false) {
  const r = await store.agents.resolve(ref);
  if (live && r.kind === "agent" && isTerminalState(r.agent.state)) {
    throw new TtError(`agent '${ref}' is ${r.agent.state}; give the work to a running agent`);
  }
  return { id: r.id, label: r.kind === "agent" ? displayLabel(r.agent) : "conductor" };
}

/** `--from`: the exact canonical name or the id. */
function matchesRef(agent: Agent, ref: string): boolean {
  const r = ref.trim();
  return agent.name === r || agent.id === (parseId(r) ?? "");
}

// ---------------------------------------------------------------------------------------------
// Orphan tasks
