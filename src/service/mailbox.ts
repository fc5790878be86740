/**
 * MailboxService: a mailbox as the townhall faces show it (REST `…/inbox`, MCP
 * `agent.inbox`): the first regular entries with a type and a one-line summary, and the sizes
 * of the inbox and urgent list. Consumes nothing.
 */
import type { Message, MessageBody } from "../model/message.ts";
import type { TownContext } from "./context.ts";

/** One listed message. */
export interface MailboxEntry {
  id: string;
  from: string;
  /** The service type name (`task_assign`, `info`, `custom:{kind}`, …; townhall.md §3.5). */
  type: string;
  summary: string;
}

/** A mailbox summary. */
export interface MailboxSummary {
  /** The mailbox's id (SUPERVISOR_ID for the conductor). */
  agentId: string;
  /** The first `limit` regular inbox entries (unreadable ones skipped). */
  messages: MailboxEntry[];
  /** Regular inbox length. */
  total: number;
  /** Urgent list length. */
  urgent: number;
}

/** The mailbox of an agent reference (any form, `conductor`/`supervisor` included). */
export async function summary(ctx: TownContext, ref: string, limit = 100): Promise<MailboxSummary> {
  const { store } = ctx;
  const r = await store.agents.resolve(ref);
  const [peek, counts] = await Promise.all([
    store.mailbox.peek(r.id, limit),
    store.mailbox.counts([r.id]),
  ]);
  const c = counts.get(r.id)!;
  return {
    agentId: r.id,
    messages: peek.messages.map(entry),
    total: c.inbox,
    urgent: c.urgent,
  };
}

function entry(m: Message): MailboxEntry {
  return { id: m.id, from: m.from, type: typeName(m.body), summary: summaryText(m.body) };
}

function typeName(body: MessageBody): string {
  if (body.type === "informational") return "info";
  if (body.type === "custom") return `custom:${body.kind}`;
  return body.type;
}

const ACK_NAMES = {
  received: "Received",
  acknowledged: "Acknowledged",
  thanks: "Thanks",
  approved: "Approved",
  rejected: "Rejected",
} as const;

function summaryText(body: MessageBody): string {
  switch (body.type) {
    case "task_assign":
      return `task assignment ${body.taskId}`;
    case "task":
      return body.description;
    case "query":
      return body.question;
    case "informational":
      return body.summary;
    case "confirmation":
      return body.ackType.type === "rejected"
        ? `Rejected { reason: ${JSON.stringify(body.ackType.reason)} }`
        : ACK_NAMES[body.ackType.type];
    case "task_done":
      return `done ${body.taskId}: ${body.result}`;
    case "task_failed":
      return `failed ${body.taskId}: ${body.error}`;
    case "status_request":
      return "status request";
    case "status_response":
      return `status: ${body.state}`;
    case "custom":
      return `[${body.kind}] ${body.payload}`;
    default:
      return body.type;
  }
}
