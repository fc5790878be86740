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
import { MESSAGE_SOURCES, type MessageSource } from "../store/reclaim.ts";
import type { Store } from "../store/store.ts";

export type { MessageSource };

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
  const lists = await store.reclaim.lists(agentId);
  const out: ReclaimedMessage[] = [];
  MESSAGE_SOURCES.forEach((source) => {
    for (const raw of lists[source]) {
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

async function moveOne(
  store: Store,
  item: ReclaimedMessage,
  toBacklog: boolean,
  to: string | undefined,
): Promise<ReclaimedMessage> {
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
    const r = await store.reclaim.toDeadLetters(item, letter);
    return settle(r, "dead_letter");
  }
  const kind = m.body.type;
  if (toBacklog && kind === "task_assign" && item.taskId) {
    const r = await store.reclaim.assignmentToBacklog(item, item.taskId, hashTime(new Date()));
    return settle(r, "to_backlog");
  }
  if (toBacklog && m.body.type === "task") {
    const task = newTask(m.body.description);
    const fields = Object.entries(taskToHash(task).set).flat();
    const r = await store.reclaim.textToBacklog(item, task.id, fields);
    return settle(r, "to_backlog", r === 1 ? { taskId: task.id } : {});
  }
  if (to === undefined) return { ...item, outcome: "kept" };
  const urgent = item.source === "urgent" || item.source === "inflight_urgent";
  const redelivered = item.source.startsWith("inflight") || m.redelivered === true;
  const moved: Message = { ...m, to, ...(redelivered ? { redelivered: true } : {}) };
  // Urgent ones keep their order behind what is already urgent; the rest follow send's rule.
  const front = !urgent && pushesToFront(m.priority);
  if (kind === "task_assign" && item.taskId) {
    // The task follows its message, so the new agent owns it (and orphan listings agree).
    const r = await store.reclaim.assignmentToAgent(item, item.taskId, to, encodeMessage(moved), {
      urgent,
      front,
      updatedAt: hashTime(new Date()),
    });
    return settle(r, "to_agent");
  }
  const r = await store.reclaim.toAgent(item, to, encodeMessage(moved), { urgent, front });
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
