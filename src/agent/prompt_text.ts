/**
 * How a message's text goes into a prompt whole: on its line when it is one plain line,
 * verbatim between fence lines when it has line breaks or edge spaces, or, when the prompt's
 * size budget is used up, in a file whose path the prompt names. Nothing is cut or rewrapped.
 */
import { type MessageBody, truncateSummary } from "../model/message.ts";

/** One piece of message text the prompt carries. */
export interface PromptText {
  /**
   * File-name stem when the text goes to a file: a message id (a parsed UUID) or `ack-N`,
   * never free text.
   */
  key: string;
  /** What precedes the text on its line (`question: `, `[kind] `, or nothing). */
  lead: string;
  text: string;
}

/** Where and how one text is placed: `head` + `sep` + text (+ `suffix`). */
export interface TextPlace {
  head: string;
  sep: string;
  suffix?: string;
}

/** Characters of the first line shown before the path of a text that went to a file. */
const PREVIEW_CHARS = 80;

/** The lead and text of a message body; `lead + text` is its usual one-line summary. */
export function messageParts(body: MessageBody): { lead: string; text: string } {
  switch (body.type) {
    case "task":
      return { lead: "", text: body.description };
    case "query":
      return { lead: "question: ", text: body.question };
    case "informational":
      return { lead: "", text: body.summary };
    case "custom":
      return { lead: `[${body.kind}] `, text: body.payload };
    case "task_done":
      return { lead: `task ${body.taskId} done: `, text: body.result };
    case "task_failed":
      return { lead: `task ${body.taskId} failed: `, text: body.error };
    case "confirmation":
      return body.ackType.type === "rejected"
        ? { lead: "rejected: ", text: body.ackType.reason }
        : { lead: "", text: body.ackType.type };
    case "task_assign":
      return { lead: "", text: `task assignment ${body.taskId}` };
    case "status_request":
      return { lead: "", text: "status requested" };
    case "status_response":
      return {
        lead: "",
        text: body.currentTask === undefined
          ? `status ${body.state}`
          : `status ${body.state} (${body.currentTask})`,
      };
    case "ping":
    case "pong":
      return { lead: "", text: body.type };
    case "shutdown":
      return { lead: "", text: "shutdown requested" };
  }
}

/** One plain line: shown as is, with nothing that a reader could take as formatting. */
function fitsOnItsLine(text: string): boolean {
  return !/[\r\n]/.test(text) && text === text.trim() && text !== "";
}

/** A backtick fence longer than any run of backticks in the text, so no line of it closes it. */
function fenceFor(text: string): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return "`".repeat(Math.max(3, longest + 1));
}

/**
 * The prompt lines for one text. `file` set: the text is in that file and only a preview of
 * its first line is shown.
 */
export function textLines(place: TextPlace, item: PromptText, file?: string): string[] {
  const suffix = place.suffix ?? "";
  if (file !== undefined) {
    const bytes = new TextEncoder().encode(item.text).length;
    const preview = truncateSummary(item.text, PREVIEW_CHARS);
    return [
      `${place.head}${place.sep}${item.lead}${preview}${suffix} [${bytes} bytes in all, too ` +
      `long for this prompt: read the whole text from the file ${file}]`,
    ];
  }
  if (fitsOnItsLine(item.text)) {
    return [`${place.head}${place.sep}${item.lead}${item.text}${suffix}`];
  }
  const fence = fenceFor(item.text);
  const lead = item.lead.replace(/[:\s]+$/, "");
  return [
    `${place.head}${place.sep}${lead ? `${lead} ` : ""}(exact text between the fence lines)` +
    `${suffix}:`,
    `${fence}text`,
    item.text,
    fence,
  ];
}

/** UTF-8 size of lines joined by newlines. */
export function linesBytes(lines: readonly string[]): number {
  return new TextEncoder().encode(lines.join("\n")).length;
}
