/**
 * The Markdown prompt one agent round hands to the agent CLI (core §6.4). The headings and
 * their order are tinytown's; the body wording is tt's. Output depends only on the input (no
 * clock, no randomness) so a round's prompt can be compared exactly.
 */
import { confirmationTotal, sortedConfirmations } from "./classify.ts";
import type { BacklogSnapshot } from "./roles.ts";
import { parseId } from "../model/ids.ts";
import { describeMessage, type Message, truncateSummary } from "../model/message.ts";
import type { Task } from "../model/task.ts";

export const TASK_DESCRIPTION_MAX = 160;
export const ACTIONABLE_SUMMARY_MAX = 120;
export const BACKLOG_DESCRIPTION_MAX = 90;
export const INFORMATIONAL_SHOWN = 8;

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
  /** Summaries already cut to their length. */
  informational: readonly string[];
  /** Count per confirmation text; listed alphabetically whatever the map's order. */
  confirmations: ReadonlyMap<string, number>;
  backlog: BacklogSnapshot;
  /** The role hint sentence (roles.ts `roleHint`). */
  roleHint: string;
  /** Sender id -> display label; senders not in it are shown as their raw id. */
  senderLabels?: ReadonlyMap<string, string>;
}

const REDELIVERED_MARK = "(redelivered: a previous round did not finish)";

function senderText(input: PromptInput, from: string): string {
  return input.senderLabels?.get(from) ?? from;
}

function taskAssignLines(taskId: string, task: Task | undefined): string[] {
  const id = parseId(taskId);
  const shownId = id ?? taskId;
  let description: string;
  if (id === undefined) {
    description = "Task details unavailable: this is not a valid task id.";
  } else if (task === undefined) {
    description = "Task details unavailable: no task record was found for this id.";
  } else {
    description = truncateSummary(task.description, TASK_DESCRIPTION_MAX);
  }
  return [
    `   Task ID: ${shownId}`,
    `   Description: ${description}`,
    `   Complete with: tt task complete ${shownId} --result "what was done"`,
    "   Note: use the Task ID above; mission or work-item UUIDs inside the description are " +
    "not task ids.",
  ];
}

function actionableSection(input: PromptInput): string[] {
  const lines = ["## Actionable Messages (already popped)", ""];
  if (input.actionable.length === 0) lines.push("(none)");
  input.actionable.forEach((item, index) => {
    const { message } = item;
    let head = `${index + 1}. ${item.urgent ? "[URGENT]" : "[normal]"}`;
    if (message.redelivered === true) head += ` ${REDELIVERED_MARK}`;
    const sender = senderText(input, message.from);
    if (message.body.type === "task_assign") {
      lines.push(`${head} task assignment from ${sender}`);
      lines.push(...taskAssignLines(message.body.taskId, item.task));
    } else {
      const text = truncateSummary(describeMessage(message.body), ACTIONABLE_SUMMARY_MAX);
      lines.push(`${head} from ${sender}: ${text}`);
    }
  });
  return lines;
}

function informationalSection(input: PromptInput): string[] {
  if (input.informational.length === 0) return [];
  const lines = ["## Informational (batched summary)", ""];
  for (const summary of input.informational.slice(0, INFORMATIONAL_SHOWN)) {
    lines.push(`- ${summary}`);
  }
  const more = input.informational.length - INFORMATIONAL_SHOWN;
  if (more > 0) lines.push(`- ...and ${more} more informational message(s)`);
  return lines;
}

function confirmationSection(input: PromptInput): string[] {
  if (input.confirmations.size === 0) return [];
  const lines = ["## Confirmations (auto-dismissed)", ""];
  for (const [text, count] of sortedConfirmations(input.confirmations)) {
    lines.push(`- ${text} x${count}`);
  }
  return lines;
}

function commandsSection(input: PromptInput): string[] {
  const commands: [string, string][] = [
    ["tt status", "see the town and every agent"],
    ["tt inbox", "messages that arrived after this round began"],
    ['tt assign <agent> "task"', "hand work to another agent"],
    ["tt backlog list", "unassigned tasks waiting in the backlog"],
    [`tt backlog claim <task_id> ${input.agentName}`, "take a backlog task yourself"],
    ['tt send <agent> --query "question"', "ask something that needs an answer"],
    ['tt send <agent> --info "update"', "share an FYI update"],
    ['tt send <agent> --ack "received"', "acknowledge a message"],
    ['tt send <agent> --urgent --query "..."', "jump the queue for their next round"],
    ["tt task current", "the task you are working on, with its real id"],
    ['tt task complete <task_id> --result "summary"', "mark a task done"],
    ['tt task fail <task_id> --reason "why"', "mark a task that cannot be done as failed"],
  ];
  const width = Math.max(...commands.map(([cmd]) => cmd.length)) + 1;
  return [
    "## Available Commands",
    "",
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

const WORKFLOW: readonly string[] = [
  "Deal with every actionable message listed above.",
  "When you have no direct work, or capacity left after it, check the backlog snapshot and " +
  "claim one task that matches your role.",
  "Never claim backlog work outside your role hint.",
  "For concrete handoffs, review requests and checking whether someone is unblocked, message " +
  "that agent directly.",
  "Message `supervisor` (or `conductor`) when you need a human decision, a change of priority " +
  "or order, an escalation, or the whole town should know something.",
  "When blocked, send a query that says exactly what you need.",
  "Before completing a task, confirm its real id with `tt task current`; never use a mission " +
  "or work-item UUID taken from a description.",
  'When a task is finished, run `tt task complete <task_id> --result "..."`; if it cannot be ' +
  'done, run `tt task fail <task_id> --reason "..."`.',
  "Send informational updates or acknowledgements where they help, including a short FYI " +
  "summary to the conductor.",
];

function workflowSection(): string[] {
  return ["## Your Workflow", "", ...WORKFLOW.map((rule, i) => `${i + 1}. ${rule}`)];
}

/** The whole prompt, sections separated by one blank line, ending with a newline. */
export function buildPrompt(input: PromptInput): string {
  const sections: string[][] = [
    [
      `# Agent: ${input.agentName}`,
      "",
      `You are the agent "${input.agentName}" in Tinytown "${input.town}".`,
    ],
    actionableSection(input),
    informationalSection(input),
    confirmationSection(input),
    commandsSection(input),
    backlogSection(input),
    stateSection(input),
    workflowSection(),
    [
      "Run only the commands this work needs; this round's inbox is already included above, " +
      "so there is no need to fetch it again.",
    ],
  ];
  return sections.filter((s) => s.length > 0).map((s) => s.join("\n")).join("\n\n") + "\n";
}
