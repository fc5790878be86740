/**
 * Sorting one round's popped messages (core §6.2 step 7): actionable ones go to the agent,
 * informational ones are listed together, confirmations are only counted. Texts stay whole
 * (tinytown cut them to 100 and 60 characters; the rest was lost with the message).
 */
import { parseId } from "../model/ids.ts";
import { classifyMessage, type Message, summarizeMessage } from "../model/message.ts";
import { messageParts } from "./prompt_text.ts";

export interface ActionableItem {
  message: Message;
  /** Came from the urgent list. */
  urgent: boolean;
}

/** An informational message: its id and its whole text (`lead + text` is its summary). */
export interface InformationalItem {
  id: string;
  lead: string;
  text: string;
}

export interface MessageBatch {
  /** Urgent messages first, each group in arrival order. */
  actionable: ActionableItem[];
  /** Whole texts, in arrival order. */
  informational: InformationalItem[];
  /** Count per whole confirmation text; iterates in code-point order of the text. */
  confirmations: Map<string, number>;
}

/** Code-point order, which is also UTF-8 byte order (tinytown keeps these in a BTreeMap). */
export function compareCodePoints(a: string, b: string): number {
  const ca = Array.from(a);
  const cb = Array.from(b);
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const d = ca[i].codePointAt(0)! - cb[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

/** The entries of a confirmation count map, sorted by text. */
export function sortedConfirmations(counts: ReadonlyMap<string, number>): [string, number][] {
  return [...counts.entries()].sort(([a], [b]) => compareCodePoints(a, b));
}

/** Total number of confirmation messages behind a count map. */
export function confirmationTotal(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}

/** Splits the urgent list's messages and the inbox's messages, urgent ones first. */
export function batchMessages(
  urgent: readonly Message[],
  regular: readonly Message[],
): MessageBatch {
  const actionable: ActionableItem[] = [];
  const informational: InformationalItem[] = [];
  const counts = new Map<string, number>();
  const take = (message: Message, isUrgent: boolean) => {
    switch (classifyMessage(message.body)) {
      case "task":
      case "query":
      case "other_actionable":
        actionable.push({ message, urgent: isUrgent });
        return;
      case "informational":
        informational.push({ id: message.id, ...messageParts(message.body) });
        return;
      case "confirmation": {
        const text = summarizeMessage(message.body);
        counts.set(text, (counts.get(text) ?? 0) + 1);
        return;
      }
    }
  };
  for (const m of urgent) take(m, true);
  for (const m of regular) take(m, false);
  return { actionable, informational, confirmations: new Map(sortedConfirmations(counts)) };
}

/**
 * Task ids (lowercase hyphenated) of the `task_assign` messages among the actionable ones, in
 * order; ids that do not parse as UUIDs are skipped. Duplicates are kept, so
 * the same task assigned twice counts as two.
 */
export function taskAssignIds(actionable: readonly ActionableItem[]): string[] {
  const ids: string[] = [];
  for (const { message } of actionable) {
    if (message.body.type !== "task_assign") continue;
    const id = parseId(message.body.taskId);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}
