/**
 * Messaging: `tt send` (who sends, what kind, where it goes) and the sender rules tinytown
 * uses for agents running inside an agent loop.
 */
import { TtError, UsageError } from "../errors.ts";
import { type Agent, type AgentState, displayLabel } from "../model/agent.ts";
import { newEvent } from "../model/event.ts";
import { parseId, SUPERVISOR_ID } from "../model/ids.ts";
import { type MessageBody, newMessage, parseAck, truncateSummary } from "../model/message.ts";
import type { Store } from "../store/store.ts";
import { type Env, processEnv } from "../town/env.ts";
import { lazyImport } from "../lazy.ts";

/** Largest message text tt accepts (bytes of UTF-8): far above any prompt, far below Redis'. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** What `tt send` sends: a task (default), a query, information, or an acknowledgement. */
export type SendKind = "task" | "query" | "info" | "ack";

/** The wire type each `tt send` flag produces, as the command names it. */
const KIND_LABEL: Record<SendKind, string> = {
  task: "task",
  query: "query",
  info: "informational",
  ack: "confirmation",
};

export interface SendRequest {
  /** Recipient reference (name, nickname, label, short id, UUID, `conductor`). */
  to: string;
  text: string;
  kind?: SendKind;
  urgent?: boolean;
  /** Sender reference; when absent the agent-loop environment or the conductor is used. */
  from?: string;
}

export interface SendResult {
  messageId: string;
  /** `task`, `query`, `informational` or `confirmation`. */
  type: string;
  to: string;
  toId: string;
  toLabel: string;
  /** State of the recipient agent (undefined for the conductor mailbox). */
  toState?: AgentState;
  from: string;
  urgent: boolean;
  bytes: number;
}

/** The message body a `tt send` of this kind carries. */
export function sendBody(kind: SendKind, text: string): MessageBody {
  switch (kind) {
    case "task":
      return { type: "task", description: text };
    case "query":
      return { type: "query", question: text };
    case "info":
      return { type: "informational", summary: text };
    case "ack":
      return { type: "confirmation", ackType: parseAck(text) };
  }
}

/**
 * Who a message is from: `--from` (a UUID is taken as-is, anything else must resolve), else
 * `TINYTOWN_AGENT_ID` when it is a UUID, else `TINYTOWN_AGENT_NAME` when it resolves, else the
 * conductor.
 */
export async function resolveSender(
  store: Store,
  from: string | undefined,
  env: Env = processEnv,
): Promise<string> {
  if (from !== undefined) {
    return parseId(from.trim()) ?? (await store.agents.resolve(from)).id;
  }
  const envId = parseId(env.get("TINYTOWN_AGENT_ID")?.trim() ?? "");
  if (envId) return envId;
  const envName = env.get("TINYTOWN_AGENT_NAME");
  if (envName?.trim()) {
    try {
      return (await store.agents.resolve(envName)).id;
    } catch {
      // tinytown ignores a name that does not resolve and falls back to the conductor
    }
  }
  return SUPERVISOR_ID;
}

/** Label for an agent record, or `conductor` for the well-known mailbox. */
export function recipientLabel(agent: Agent | undefined): string {
  return agent ? displayLabel(agent) : "conductor";
}

export function messageBytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Refuses a message over MAX_MESSAGE_BYTES with one line. */
export function checkMessageSize(bytes: number): void {
  if (bytes > MAX_MESSAGE_BYTES) {
    const mib = (bytes / 1024 / 1024).toFixed(1);
    throw new TtError(
      `message is too large (${mib} MiB; at most ${MAX_MESSAGE_BYTES / 1024 / 1024} MiB): ` +
        "put the content in a file and send its path",
    );
  }
}

/**
 * Sends one message (priority normal). Regular messages go to the back of the inbox, urgent
 * ones to the front of the urgent list. Emits `message_sent` on the recipient's stream.
 */
export async function sendMessage(
  store: Store,
  req: SendRequest,
  env: Env = processEnv,
): Promise<SendResult> {
  if (req.text.trim() === "") throw new UsageError("the message is empty");
  const bytes = messageBytes(req.text);
  checkMessageSize(bytes);
  const to = await store.agents.resolve(req.to);
  const from = await resolveSender(store, req.from, env);
  const kind = req.kind ?? "task";
  const message = newMessage(from, to.id, sendBody(kind, req.text));
  const urgent = req.urgent === true;
  const agent = to.kind === "agent" ? to.agent : undefined;
  const type = KIND_LABEL[kind];
  const event = newEvent(
    "message_sent",
    `${urgent ? "urgent " : ""}${type} message from ${await senderName(store, from)}: ` +
      truncateSummary(req.text, 60),
    { agentId: to.id },
  );
  // One write: the message is never delivered without its event, or the other way round.
  await store.events.addTo(store.mailbox.sendTo(store.transaction(), message, { urgent }), event)
    .exec();
  // An idle loop waits on its inbox only; its host looks at urgent lists at its periodic
  // check, or at once when nudged. Best effort: the message is already delivered.
  // Loaded only then: most sends are not urgent, and `tt send` runs in every agent round.
  if (urgent && agent?.pid) {
    await lazyImport<typeof import("../agent/host_nudge.ts")>("src/agent/host_nudge.ts")
      .then((m) => m.nudgeHost(store, agent))
      .catch(() => {});
  }
  return {
    messageId: message.id,
    type,
    to: req.to,
    toId: to.id,
    toLabel: recipientLabel(agent),
    toState: agent?.state,
    from,
    urgent,
    bytes,
  };
}

async function senderName(store: Store, id: string): Promise<string> {
  if (id === SUPERVISOR_ID) return "conductor";
  const agent = await store.agents.get(id).catch(() => undefined);
  return agent ? displayLabel(agent) : id;
}
