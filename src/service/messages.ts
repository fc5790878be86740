/**
 * MessageService: `tt send` and `tt inbox` as functions over an opened town (TownContext). Reading
 * an inbox here consumes nothing.
 */
import { displayLabel } from "../model/agent.ts";
import type { Message } from "../model/message.ts";
import { type SendKind, sendMessage } from "./message_send.ts";
import type { TownContext } from "./context.ts";

/** What `send` delivered. */
export interface SentMessage {
  /** The new message's id. */
  id: string;
  /** The recipient's id (SUPERVISOR_ID for the conductor). */
  to: string;
  /** The sender's id. */
  from: string;
  /** The wire type: `task`, `query`, `informational` or `confirmation`. */
  type: string;
  /** It went to the urgent list. */
  urgent: boolean;
}

/** `tt send`: text to an agent or the conductor, with a `message_sent` event. */
export async function send(
  ctx: TownContext,
  to: string,
  text: string,
  options: { kind?: SendKind; urgent?: boolean; from?: string } = {},
): Promise<SentMessage> {
  const r = await sendMessage(ctx.store, { to, text, ...options }, ctx.env);
  return { id: r.messageId, to: r.toId, from: r.from, type: r.type, urgent: r.urgent };
}

/** A mailbox as `tt inbox` sees it. */
export interface InboxView {
  /** The mailbox's id. */
  agentId: string;
  /** The agent's label, or `conductor`. */
  label: string;
  /** Waiting messages in the order they will be taken: urgent list, then inbox. */
  messages: Message[];
  /** Messages taken by a round (or a reader) that has not finished with them. */
  inFlight: number;
}

/** `tt inbox <ref>`: the waiting messages of an agent or the conductor, not consumed. */
export async function inbox(ctx: TownContext, ref: string): Promise<InboxView> {
  const { store } = ctx;
  const r = await store.agents.resolve(ref);
  const [{ urgent, inbox }, counts] = await Promise.all([
    store.mailbox.peekBoth(r.id, 0),
    store.mailbox.counts([r.id]),
  ]);
  return {
    agentId: r.id,
    label: r.kind === "agent" ? displayLabel(r.agent) : "conductor",
    messages: [...urgent, ...inbox],
    inFlight: counts.get(r.id)!.inflight,
  };
}
