/**
 * The Markdown prompt one agent round hands to the agent CLI (core §6.4). The headings and
 * their order are tinytown's; the body wording is tt's. Unlike tinytown, every message's text
 * is carried whole (see prompt_text.ts): within a size budget for the whole prompt in the
 * prompt itself, beyond it in files the prompt names. Output depends only on the input (no
 * clock, no randomness) so a round's prompt can be compared exactly.
 */
import { confirmationTotal, type InformationalItem, sortedConfirmations } from "./classify.ts";
import type { BacklogSnapshot } from "./roles.ts";
import { parseId } from "../model/ids.ts";
import { type Message, truncateSummary } from "../model/message.ts";
import type { Task } from "../model/task.ts";
import {
  linesBytes,
  messageParts,
  type PromptText,
  textLines,
  type TextPlace,
} from "./prompt_text.ts";

export const BACKLOG_DESCRIPTION_MAX = 90;
/** Default size budget of a whole prompt (UTF-8 bytes); longer texts go to files. */
export const PROMPT_BUDGET_BYTES = 64 * 1024;

export interface PromptActionable {
  message: Message;
  /** Came from the urgent list. */
  urgent: boolean;
  /** For a `task_assign` message: the task record, or undefined when none was found. */
  task?: Task;
}

export interface PromptInput {
  agentName: string;
  town: string;
  /** The 1-based number of the round about to run. */
  round: number;
  maxRounds: number;
  /** Urgent first, in the order collected. */
  actionable: readonly PromptActionable[];
  /** Informational messages, whole, in arrival order. */
  informational: readonly InformationalItem[];
  /** Count per confirmation text; listed alphabetically whatever the map's order. */
  confirmations: ReadonlyMap<string, number>;
  backlog: BacklogSnapshot;
  /** The role hint sentence (roles.ts `roleHint`). */
  roleHint: string;
  /** Sender id -> display label; senders not in it are shown as their raw id. */
  senderLabels?: ReadonlyMap<string, string>;
  /**
   * `[agent] max_task_rounds`: shown with a task whose earlier rounds ended without
   * `tt task complete` or `tt task fail` (its `unfinishedRounds`).
   */
  maxTaskRounds?: number;
  /**
   * How the prompt writes the tt command: the town's shim by absolute path as a shell word
   * (round.ts), so a CLI shell that loses PATH (a slow or PATH-resetting ~/.bashrc, a login
   * shell) still runs this town's tt. Default `tt`.
   */
  tt?: string;
}

function ttWord(input: PromptInput): string {
  return input.tt ?? "tt";
}

/** Places one text in the prompt and returns its lines (inline, fenced, or by file). */
type PutText = (place: TextPlace, item: PromptText) => string[];

const REDELIVERED_MARK = "(redelivered: a previous round did not finish)";

function senderText(input: PromptInput, from: string): string {
  return input.senderLabels?.get(from) ?? from;
}

function taskAssignLines(
  input: PromptInput,
  message: Message,
  taskId: string,
  task: Task | undefined,
  put: PutText,
): string[] {
  const id = parseId(taskId);
  const shownId = id ?? taskId;
  const place = { head: "   Description", sep: ": " };
  let description: string[];
  if (id === undefined) {
    description = [`${place.head}: Task details unavailable: this is not a valid task id.`];
  } else if (task === undefined) {
    description = [
      `${place.head}: Task details unavailable: no task record was found for this id.`,
    ];
  } else {
    description = put(place, { key: message.id, lead: "", text: task.description });
  }
  const tt = ttWord(input);
  const lines = [`   Task ID: ${shownId}`, ...description];
  const unfinished = task?.unfinishedRounds ?? 0;
  if (unfinished > 0) {
    const limit = input.maxTaskRounds === undefined
      ? ""
      : ` (${unfinished} of ${input.maxTaskRounds}; at ${input.maxTaskRounds} the task fails)`;
    lines.push(
      `   Unfinished: the last round ended without \`${tt} task complete\` or \`${tt} task fail\` ` +
        `for this task${limit}. Finish it and run one of them this round.`,
    );
  }
  lines.push(
    `   Complete with: ${tt} task complete ${shownId} --result "what was done"`,
    "   Note: use the Task ID above; mission or work-item UUIDs inside the description are " +
      "not task ids.",
  );
  return lines;
}

function actionableSection(input: PromptInput, put: PutText): string[] {
  const lines = ["## Actionable Messages (already popped)", ""];
  if (input.actionable.length === 0) lines.push("(none)");
  input.actionable.forEach((item, index) => {
    const { message } = item;
    let head = `${index + 1}. ${item.urgent ? "[URGENT]" : "[normal]"}`;
    if (message.redelivered === true) head += ` ${REDELIVERED_MARK}`;
    const sender = senderText(input, message.from);
    if (message.body.type === "task_assign") {
      lines.push(`${head} task assignment from ${sender}`);
      lines.push(...taskAssignLines(input, message, message.body.taskId, item.task, put));
    } else {
      const parts = messageParts(message.body);
      lines.push(
        ...put({ head: `${head} from ${sender}`, sep: ": " }, { key: message.id, ...parts }),
      );
    }
  });
  return lines;
}

function informationalSection(input: PromptInput, put: PutText): string[] {
  if (input.informational.length === 0) return [];
  const lines = ["## Informational (batched summary)", ""];
  for (const info of input.informational) {
    lines.push(...put({ head: "-", sep: " " }, { key: info.id, lead: info.lead, text: info.text }));
  }
  return lines;
}

function confirmationSection(input: PromptInput, put: PutText): string[] {
  if (input.confirmations.size === 0) return [];
  const lines = ["## Confirmations (auto-dismissed)", ""];
  sortedConfirmations(input.confirmations).forEach(([text, count], i) => {
    lines.push(...put({ head: "-", sep: " ", suffix: ` x${count}` }, {
      key: `ack-${i + 1}`,
      lead: "",
      text,
    }));
  });
  return lines;
}

function commandsSection(input: PromptInput): string[] {
  const tt = ttWord(input);
  const commands: [string, string][] = [
    [`${tt} status`, "see the town and every agent"],
    [`${tt} inbox`, "messages that arrived after this round began"],
    [`${tt} assign <agent> "task"`, "hand work to another agent"],
    [`${tt} backlog list`, "unassigned tasks waiting in the backlog"],
    [`${tt} backlog claim <task_id> ${input.agentName}`, "take a backlog task yourself"],
    [`${tt} send <agent> --query "question"`, "ask something that needs an answer"],
    [`${tt} send <agent> --info "update"`, "share an FYI update"],
    [`${tt} send <agent> --ack "received"`, "acknowledge a message"],
    [`${tt} send <agent> --urgent --query "..."`, "jump the queue for their next round"],
    [`${tt} task current`, "the task you are working on, with its real id"],
    [`${tt} task complete <task_id> --result "summary"`, "mark a task done"],
    [`${tt} task fail <task_id> --reason "why"`, "mark a task that cannot be done as failed"],
  ];
  const width = Math.max(...commands.map(([cmd]) => cmd.length)) + 1;
  const where = tt === "tt" ? [] : [
    `\`${tt}\` is this town's tt (the same program as \`tt\` on your PATH); use it as ` +
    "written, so it works even where a shell has lost PATH.",
    "",
  ];
  return [
    "## Available Commands",
    "",
    ...where,
    "```bash",
    ...commands.map(([cmd, comment]) => `${cmd.padEnd(width)}# ${comment}`),
    "```",
  ];
}

function backlogSection(input: PromptInput): string[] {
  const { backlog } = input;
  const lines = [
    "## Backlog Snapshot",
    "",
    `- Total backlog tasks: ${backlog.total}`,
    `- Role-matching backlog tasks: ${backlog.matching}`,
    `- Role hint: ${input.roleHint}`,
  ];
  if (backlog.matching > 0) {
    lines.push("", "Review these and claim at most one that fits your role:");
    for (const task of backlog.shown) {
      const tags = task.tags.length === 0 ? "" : ` [${task.tags.join(", ")}]`;
      lines.push(
        `- ${task.id} - ${truncateSummary(task.description, BACKLOG_DESCRIPTION_MAX)}${tags}`,
      );
    }
    const more = backlog.matching - backlog.shown.length;
    if (more > 0) lines.push(`- ...and ${more} more role-matching backlog task(s)`);
  } else if (backlog.total > 0) {
    lines.push(
      "",
      "No backlog task matches your role hint; leave unrelated work for the agents it suits.",
    );
  }
  return lines;
}

function stateSection(input: PromptInput): string[] {
  const urgent = input.actionable.filter((item) => item.urgent).length;
  return [
    "## Current State",
    "",
    `- Round: ${input.round}/${input.maxRounds}`,
    `- Actionable messages: ${input.actionable.length}`,
    `- Urgent actionable: ${urgent}`,
    `- Batched informational: ${input.informational.length}`,
    `- Auto-dismissed confirmations: ${confirmationTotal(input.confirmations)}`,
  ];
}

const workflow = (tt: string): readonly string[] => [
  "Deal with every actionable message listed above.",
  "When you have no direct work, or capacity left after it, check the backlog snapshot and " +
  "claim one task that matches your role.",
  "Never claim backlog work outside your role hint.",
  "For concrete handoffs, review requests and checking whether someone is unblocked, message " +
  "that agent directly.",
  "Message `supervisor` (or `conductor`) when you need a human decision, a change of priority " +
  "or order, an escalation, or the whole town should know something.",
  "When blocked, send a query that says exactly what you need.",
  `Before completing a task, confirm its real id with \`${tt} task current\`; never use a ` +
  "mission or work-item UUID taken from a description.",
  `When a task is finished, run \`${tt} task complete <task_id> --result "..."\`; if it cannot ` +
  `be done, run \`${tt} task fail <task_id> --reason "..."\`.`,
  "Send informational updates or acknowledgements where they help, including a short FYI " +
  "summary to the conductor.",
];

function workflowSection(tt: string): string[] {
  return ["## Your Workflow", "", ...workflow(tt).map((rule, i) => `${i + 1}. ${rule}`)];
}

function render(input: PromptInput, put: PutText): string {
  const sections: string[][] = [
    [
      `# Agent: ${input.agentName}`,
      "",
      `You are the agent "${input.agentName}" in Tinytown "${input.town}".`,
    ],
    actionableSection(input, put),
    informationalSection(input, put),
    confirmationSection(input, put),
    commandsSection(input),
    backlogSection(input),
    stateSection(input),
    workflowSection(ttWord(input)),
    [
      "Every message of this round is included above in full (a text too long for this " +
      `prompt is in the file named with it: read that file). \`${ttWord(input)} inbox\` lists ` +
      "only messages that arrived after this round began.",
    ],
  ];
  return sections.filter((s) => s.length > 0).map((s) => s.join("\n")).join("\n\n") + "\n";
}

/** The whole prompt, every text in it, sections separated by one blank line. */
export function buildPrompt(input: PromptInput): string {
  return render(input, (place, item) => textLines(place, item));
}

/** A text that went to a file instead of the prompt: write `text` to `path` before the round. */
export interface SpilledText {
  key: string;
  path: string;
  text: string;
}

export interface ComposeOptions {
  /** Folder for texts beyond the budget; each goes to `<dir>/<key>.txt`. */
  spillDir: string;
  /** Default PROMPT_BUDGET_BYTES. */
  budgetBytes?: number;
}

/**
 * The prompt within a size budget: texts are placed in order (actionable, informational,
 * confirmations) and each stays in the prompt while the whole still fits; the others go to
 * files. Only when even the prompt with every text in a file is over the budget is it longer.
 */
export function composePrompt(
  input: PromptInput,
  opts: ComposeOptions,
): { prompt: string; spilled: SpilledText[] } {
  const budget = opts.budgetBytes ?? PROMPT_BUDGET_BYTES;
  const whole = buildPrompt(input);
  if (new TextEncoder().encode(whole).length <= budget) return { prompt: whole, spilled: [] };
  const pathOf = (item: PromptText) => `${opts.spillDir}/${item.key}.txt`;
  // Each text's size inline and by file; the prompt's size changes by exactly the difference.
  const deltas: number[] = [];
  let size = new TextEncoder().encode(render(input, (place, item) => {
    const byFile = textLines(place, item, pathOf(item));
    deltas.push(linesBytes(textLines(place, item)) - linesBytes(byFile));
    return byFile;
  })).length;
  const inline = deltas.map((d) => {
    if (size + d > budget) return false;
    size += d;
    return true;
  });
  const spilled: SpilledText[] = [];
  let n = 0;
  const prompt = render(input, (place, item) => {
    if (inline[n++]) return textLines(place, item);
    spilled.push({ key: item.key, path: pathOf(item), text: item.text });
    return textLines(place, item, pathOf(item));
  });
  return { prompt, spilled };
}
