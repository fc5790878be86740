/**
 * Messages: the compact JSON strings in the inbox and urgent lists. The wire layout is
 * tinytown's serde form with the message type flattened into the object:
 * `id, from, to, type, <variant fields>, priority, created_at, correlation_id`.
 * tt may append `redelivered: true` after `correlation_id` (tinytown ignores unknown fields).
 */
import {
  DecodeError,
  dropUndefined,
  isJsonObject,
  type JsonObject,
  optId,
  parseJsonObject,
  reqEnum,
  reqId,
  reqString,
  reqTime,
} from "./fields.ts";
import { newId } from "./ids.ts";
import { jsonTime } from "./time.ts";

/** Every priority, lowest first. */
export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
/** `high` and `urgent` go to the front of the inbox; `normal` and `low` to the back. */
export type Priority = typeof PRIORITIES[number];

/** High and urgent messages are pushed to the front of the inbox, the rest to the back. */
export function pushesToFront(priority: Priority): boolean {
  return priority === "high" || priority === "urgent";
}

export const CONFIRMATION_TYPES = [
  "received",
  "acknowledged",
  "thanks",
  "approved",
  "rejected",
] as const;

/** What a confirmation message confirms (`rejected` says why). */
export type Confirmation =
  | { type: "received" }
  | { type: "acknowledged" }
  | { type: "thanks" }
  | { type: "approved" }
  | { type: "rejected"; reason: string };

/** Every message type, as stored in the `type` field. */
export const MESSAGE_TYPES = [
  "task",
  "query",
  "informational",
  "confirmation",
  "task_assign",
  "task_done",
  "task_failed",
  "status_request",
  "status_response",
  "ping",
  "pong",
  "shutdown",
  "custom",
] as const;
/** The wire tag of a message (`task`, `task_assign`, `informational`, ...). */
export type MessageType = typeof MESSAGE_TYPES[number];

/** The type-specific part of a message; `type` is the wire tag. */
export type MessageBody =
  | { type: "task"; description: string }
  | { type: "query"; question: string }
  | { type: "informational"; summary: string }
  | { type: "confirmation"; ackType: Confirmation }
  | { type: "task_assign"; taskId: string }
  | { type: "task_done"; taskId: string; result: string }
  | { type: "task_failed"; taskId: string; error: string }
  | { type: "status_request" }
  | { type: "status_response"; state: string; currentTask?: string }
  | { type: "ping" }
  | { type: "pong" }
  | { type: "shutdown" }
  | { type: "custom"; kind: string; payload: string };

/** A message in a mailbox (compact JSON in `tt:{town}:inbox:{id}` or `urgent:{id}`). */
export interface Message {
  /** The message's id (a lowercase UUID). */
  id: string;
  /** The sender's id (SUPERVISOR_ID for the conductor). */
  from: string;
  /** The recipient's id. */
  to: string;
  /** What it says: the type and its fields. */
  body: MessageBody;
  /** Where it is queued in the inbox. */
  priority: Priority;
  /** When it was made. */
  createdAt: Date;
  /** The id of the message this one answers. */
  correlationId?: string;
  /** tt only: the message went back to an inbox after a round that did not finish. */
  redelivered?: boolean;
}

/** Optional parts of a new message. */
export interface NewMessageOptions {
  /** Default: a new random id. */
  id?: string;
  /** Default `normal`. */
  priority?: Priority;
  /** The id of the message it answers. */
  correlationId?: string;
  /** Its time; default now. */
  now?: Date;
}

/** A new message; priority `normal` unless given. */
export function newMessage(
  from: string,
  to: string,
  body: MessageBody,
  opts: NewMessageOptions = {},
): Message {
  return dropUndefined({
    id: opts.id ?? newId(),
    from,
    to,
    body,
    priority: opts.priority ?? "normal",
    createdAt: opts.now ?? new Date(),
    correlationId: opts.correlationId,
  });
}

function bodyFields(body: MessageBody): Record<string, unknown> {
  switch (body.type) {
    case "task":
      return { description: body.description };
    case "query":
      return { question: body.question };
    case "informational":
      return { summary: body.summary };
    case "confirmation":
      return {
        ack_type: body.ackType.type === "rejected"
          ? { type: "rejected", reason: body.ackType.reason }
          : { type: body.ackType.type },
      };
    case "task_assign":
      return { task_id: body.taskId };
    case "task_done":
      return { task_id: body.taskId, result: body.result };
    case "task_failed":
      return { task_id: body.taskId, error: body.error };
    case "status_response":
      return { state: body.state, current_task: body.currentTask ?? null };
    case "custom":
      return { kind: body.kind, payload: body.payload };
    case "status_request":
    case "ping":
    case "pong":
    case "shutdown":
      return {};
  }
}

/** Compact JSON in tinytown's exact field order. */
export function encodeMessage(m: Message): string {
  const o: Record<string, unknown> = {
    id: m.id,
    from: m.from,
    to: m.to,
    type: m.body.type,
    ...bodyFields(m.body),
    priority: m.priority,
    created_at: jsonTime(m.createdAt),
    correlation_id: m.correlationId ?? null,
  };
  if (m.redelivered === true) o.redelivered = true;
  return JSON.stringify(o);
}

function readConfirmation(o: JsonObject): Confirmation {
  const v = o.ack_type;
  if (v === undefined) throw new DecodeError("missing field 'ack_type'");
  if (!isJsonObject(v)) throw new DecodeError("field 'ack_type' is not an object");
  const type = reqEnum(v, "type", CONFIRMATION_TYPES);
  return type === "rejected" ? { type, reason: reqString(v, "reason") } : { type };
}

function readBody(o: JsonObject): MessageBody {
  const type = reqString(o, "type");
  switch (type) {
    case "task":
      return { type, description: reqString(o, "description") };
    case "query":
      return { type, question: reqString(o, "question") };
    case "informational":
      return { type, summary: reqString(o, "summary") };
    case "confirmation":
      return { type, ackType: readConfirmation(o) };
    case "task_assign":
      return { type, taskId: reqString(o, "task_id") };
    case "task_done":
      return { type, taskId: reqString(o, "task_id"), result: reqString(o, "result") };
    case "task_failed":
      return { type, taskId: reqString(o, "task_id"), error: reqString(o, "error") };
    case "status_response": {
      const current = o.current_task;
      if (current !== undefined && current !== null && typeof current !== "string") {
        throw new DecodeError("field 'current_task' is not a string");
      }
      const body: MessageBody = { type, state: reqString(o, "state") };
      if (typeof current === "string") body.currentTask = current;
      return body;
    }
    case "custom":
      return { type, kind: reqString(o, "kind"), payload: reqString(o, "payload") };
    case "status_request":
    case "ping":
    case "pong":
    case "shutdown":
      return { type };
    default:
      throw new DecodeError(`unknown message type '${type.slice(0, 40)}'`);
  }
}

export type DecodeResult =
  | { ok: true; message: Message }
  | { ok: false; reason: string };

/**
 * Reads one inbox entry. Never throws: malformed input gives `{ok: false, reason}`. Accepts
 * any field order and ignores unknown fields, as serde does; `correlation_id` may be missing.
 */
export function decodeMessage(text: string): DecodeResult {
  try {
    const o = parseJsonObject(text, "message");
    const message: Message = {
      id: reqId(o, "id"),
      from: reqId(o, "from"),
      to: reqId(o, "to"),
      body: readBody(o),
      priority: reqEnum(o, "priority", PRIORITIES),
      createdAt: reqTime(o, "created_at"),
    };
    const correlationId = optId(o, "correlation_id");
    if (correlationId !== undefined) message.correlationId = correlationId;
    if (o.redelivered === true) message.redelivered = true;
    return { ok: true, message };
  } catch (err) {
    if (err instanceof DecodeError) return { ok: false, reason: err.message };
    return { ok: false, reason: `unreadable message (${String(err).slice(0, 80)})` };
  }
}

// ---------------------------------------------------------------------------------------------
// How the CLI and the agent loop look at messages (tinytown's CLI classifier, not the
// library's `is_actionable`, which also counts pings and every custom message).

/** How the CLI and the agent loop sort messages (`[T]`, `[Q]`, `[I]`, `[C]`, `[!]`). */
export const MESSAGE_CATEGORIES = [
  "task",
  "query",
  "informational",
  "confirmation",
  "other_actionable",
] as const;
/** A message's category in inbox views and prompts. */
export type MessageCategory = typeof MESSAGE_CATEGORIES[number];

/** Custom messages are sorted by keywords over `kind + " " + payload`, first match wins. */
export function classifyCustom(kind: string, payload: string): MessageCategory {
  const text = `${kind} ${payload}`.toLowerCase();
  const any = (...words: string[]) => words.some((w) => text.includes(w));
  if (any("ack", "thanks", "thank you", "received", "approved")) return "confirmation";
  if (any("info", "fyi", "status", "update")) return "informational";
  if (any("query", "question")) return "query";
  return "task";
}

/** The category a message shows under (tinytown's CLI classifier). */
export function classifyMessage(body: MessageBody): MessageCategory {
  switch (body.type) {
    case "task_assign":
    case "task":
      return "task";
    case "query":
    case "status_request":
      return "query";
    case "informational":
    case "task_done":
    case "task_failed":
    case "status_response":
    case "ping":
    case "pong":
      return "informational";
    case "confirmation":
      return "confirmation";
    case "shutdown":
      return "other_actionable";
    case "custom":
      return classifyCustom(body.kind, body.payload);
  }
}

/** Needs a round of agent work: task, query or other actionable. */
export function isActionable(body: MessageBody): boolean {
  const category = classifyMessage(body);
  return category === "task" || category === "query" || category === "other_actionable";
}

const CATEGORY_PREFIX: Record<MessageCategory, string> = {
  task: "[T]",
  query: "[Q]",
  informational: "[I]",
  confirmation: "[C]",
  other_actionable: "[!]",
};

/** Inbox preview prefix: `[T]`, `[Q]`, `[I]`, `[C]`, `[!]`. */
export function categoryPrefix(category: MessageCategory): string {
  return CATEGORY_PREFIX[category];
}

export function confirmationText(ack: Confirmation): string {
  return ack.type === "rejected" ? `rejected: ${ack.reason}` : ack.type;
}

/** Plain-text summary used in inbox previews and prompts. */
export function summarizeMessage(body: MessageBody): string {
  switch (body.type) {
    case "task_assign":
      return `task assignment ${body.taskId}`;
    case "task":
      return body.description;
    case "query":
      return `question: ${body.question}`;
    case "informational":
      return body.summary;
    case "confirmation":
      return confirmationText(body.ackType);
    case "task_done":
      return `task ${body.taskId} done: ${body.result}`;
    case "task_failed":
      return `task ${body.taskId} failed: ${body.error}`;
    case "status_request":
      return "status requested";
    case "status_response":
      return body.currentTask === undefined
        ? `status ${body.state}`
        : `status ${body.state} (${body.currentTask})`;
    case "ping":
      return "ping";
    case "pong":
      return "pong";
    case "shutdown":
      return "shutdown requested";
    case "custom":
      return `[${body.kind}] ${body.payload}`;
  }
}

/**
 * The preview form: like summarizeMessage, but a task assignment shows the task's description
 * when the caller found the task (`task {id}: {description}`, else `task {id}`).
 */
export function describeMessage(body: MessageBody, taskDescription?: string): string {
  if (body.type !== "task_assign") return summarizeMessage(body);
  return taskDescription === undefined
    ? `task ${body.taskId}`
    : `task ${body.taskId}: ${taskDescription}`;
}

/**
 * First line only, trimmed; longer than `max` characters (code points) -> the first `max - 3`
 * followed by `...`.
 */
export function truncateSummary(text: string, max: number): string {
  const firstLine = text.split(/\r?\n/, 1)[0].trim();
  const chars = Array.from(firstLine);
  if (chars.length <= max) return firstLine;
  return `${chars.slice(0, Math.max(0, max - 3)).join("")}...`;
}

/**
 * The confirmation `tt send --ack TEXT` sends: `rejected: why` -> rejected (reason after the
 * first colon, or "No reason provided"); starts with `received` / `approved`; contains
 * `thanks` / `thank you`; anything else -> acknowledged. Case-insensitive.
 */
export function parseAck(text: string): Confirmation {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  if (lower.startsWith("rejected:")) {
    const reason = trimmed.slice(trimmed.indexOf(":") + 1).trim();
    return { type: "rejected", reason: reason === "" ? "No reason provided" : reason };
  }
  if (lower.startsWith("received")) return { type: "received" };
  if (lower.startsWith("approved")) return { type: "approved" };
  if (lower.includes("thanks") || lower.includes("thank you")) return { type: "thanks" };
  return { type: "acknowledged" };
}
