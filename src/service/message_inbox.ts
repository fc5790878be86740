/**
 * Reading mailboxes without consuming them (`tt inbox`): counts by category, previews, the
 * urgent and in-flight lists tt adds, and the dead letters.
 */
import { type Agent, type AgentState, displayLabel } from "../model/agent.ts";
import { SUPERVISOR_ID } from "../model/ids.ts";
import {
  categoryPrefix,
  classifyMessage,
  decodeMessage,
  describeMessage,
  isActionable,
  type Message,
  type MessageCategory,
  truncateSummary,
} from "../model/message.ts";
import type { DeadLetter } from "../store/mailbox.ts";
import type { Store } from "../store/store.ts";

/** How many messages are sampled for counts (as tinytown does). */
export const INBOX_SAMPLE = 100;

export interface CategoryCounts {
  /** Tasks plus other actionable messages (shutdown), as tinytown counts `[T]`. */
  tasks: number;
  queries: number;
  informational: number;
  confirmations: number;
}

export interface MessagePreview {
  id: string;
  type: string;
  category: MessageCategory;
  from: string;
  priority: string;
  createdAt: Date;
  /** Category prefix and summary, cut to the preview length. */
  text: string;
}

export interface MailboxView {
  id: string;
  /** `{label}` of the agent, or `conductor`. */
  label: string;
  state?: AgentState;
  /** Messages waiting in the inbox (LLEN). */
  total: number;
  /** Messages the counts were taken from (the first INBOX_SAMPLE). */
  sampled: number;
  counts: CategoryCounts;
  urgent: number;
  inflight: number;
  /** Entries in the sample that are not readable messages. */
  unreadable: number;
  previews: MessagePreview[];
}

/** Counts by category; `[T]` includes other-actionable messages. */
export function countCategories(messages: readonly Message[]): CategoryCounts {
  const counts: CategoryCounts = { tasks: 0, queries: 0, informational: 0, confirmations: 0 };
  for (const m of messages) {
    const c = classifyMessage(m.body);
    if (c === "task" || c === "other_actionable") counts.tasks++;
    else if (c === "query") counts.queries++;
    else if (c === "informational") counts.informational++;
    else counts.confirmations++;
  }
  return counts;
}

export function actionableCount(c: CategoryCounts): number {
  return c.tasks + c.queries;
}

/** Looks task descriptions up once each, for `task_assign` previews. */
function taskDescriptions(store: Store): (id: string) => Promise<string | undefined> {
  const cache = new Map<string, Promise<string | undefined>>();
  return (id) => {
    let p = cache.get(id);
    if (!p) {
      p = store.tasks.get(id).then((t) => t?.description, () => undefined);
      cache.set(id, p);
    }
    return p;
  };
}

async function preview(
  m: Message,
  width: number,
  describe: (id: string) => Promise<string | undefined>,
): Promise<MessagePreview> {
  const category = classifyMessage(m.body);
  const desc = m.body.type === "task_assign" ? await describe(m.body.taskId) : undefined;
  return {
    id: m.id,
    type: m.body.type,
    category,
    from: m.from,
    priority: m.priority,
    createdAt: m.createdAt,
    text: `${categoryPrefix(category)} ${truncateSummary(describeMessage(m.body, desc), width)}`,
  };
}

async function view(
  store: Store,
  id: string,
  agent: Agent | undefined,
  pick: (messages: Message[]) => { shown: Message[]; width: number },
  describe: (id: string) => Promise<string | undefined>,
): Promise<MailboxView> {
  const [{ messages, total, bad }, counts] = await Promise.all([
    store.mailbox.peek(id, INBOX_SAMPLE),
    store.mailbox.counts([id]),
  ]);
  const extra = counts.get(id) ?? { urgent: 0, inflight: 0 };
  const { shown, width } = pick(messages);
  return {
    id,
    label: agent ? displayLabel(agent) : "conductor",
    state: agent?.state,
    total,
    sampled: messages.length + bad,
    counts: countCategories(messages),
    urgent: extra.urgent,
    inflight: extra.inflight,
    unreadable: bad,
    previews: await Promise.all(shown.map((m) => preview(m, width, describe))),
  };
}

/** One mailbox: counts and up to 10 previews of any kind (cut to 120 characters). */
export async function readInbox(store: Store, ref: string): Promise<MailboxView> {
  const r = await store.agents.resolve(ref);
  const agent = r.kind === "agent" ? r.agent : undefined;
  return await view(
    store,
    r.id,
    agent,
    (all) => ({ shown: all.slice(0, 10), width: 120 }),
    taskDescriptions(store),
  );
}

/**
 * Every agent's mailbox and the conductor's, keeping those with anything waiting (inbox,
 * urgent or in flight). Previews: up to 5 actionable messages (cut to 90), or the first 3 of
 * any kind when none is actionable.
 */
export async function readAllInboxes(store: Store): Promise<MailboxView[]> {
  const agents = await store.agents.list();
  const describe = taskDescriptions(store);
  const pick = (all: Message[]) => {
    const actionable = all.filter((m) => isActionable(m.body));
    return { shown: actionable.length ? actionable.slice(0, 5) : all.slice(0, 3), width: 90 };
  };
  const views = await Promise.all([
    ...agents.map((a) => view(store, a.id, a, pick, describe)),
    view(store, SUPERVISOR_ID, undefined, pick, describe),
  ]);
  return views.filter((v) => v.total + v.urgent + v.inflight > 0);
}

export interface DeadLetterView {
  agentId: string;
  label: string;
  reason: string;
  at: string;
  /** The raw text's first line, cut to 100 characters. */
  preview: string;
}

/** The newest dead letters (optionally only those of one agent or the conductor). */
export async function readDeadLetters(
  store: Store,
  ref?: string,
  limit = 50,
): Promise<DeadLetterView[]> {
  const only = ref === undefined ? undefined : (await store.agents.resolve(ref)).id;
  const agents = new Map((await store.agents.list()).map((a) => [a.id, a]));
  const letters: DeadLetter[] = await store.mailbox.deadLetters(only ? 1000 : limit);
  return letters
    .filter((d) => only === undefined || d.agent_id === only)
    .slice(0, limit)
    .map((d) => {
      const agent = agents.get(d.agent_id);
      return {
        agentId: d.agent_id,
        label: agent
          ? displayLabel(agent)
          : d.agent_id === SUPERVISOR_ID
          ? "conductor"
          : d.agent_id || "(unknown)",
        reason: d.reason,
        at: d.at,
        preview: truncateSummary(rawPreview(d.raw), 100),
      };
    });
}

/** The message's own summary when the raw text still decodes, else the raw text. */
function rawPreview(raw: string): string {
  const r = decodeMessage(raw);
  return r.ok ? describeMessage(r.message.body) : raw;
}
