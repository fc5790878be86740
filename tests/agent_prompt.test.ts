import assert from "node:assert/strict";
import {
  batchMessages,
  compareCodePoints,
  confirmationTotal,
  sortedConfirmations,
  taskAssignIds,
} from "../src/agent/classify.ts";
import { buildPrompt, type PromptActionable, type PromptInput } from "../src/agent/prompt.ts";
import { backlogNudge, backlogSnapshot, roleBucket, roleHint } from "../src/agent/roles.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { type Message, type MessageBody, newMessage } from "../src/model/message.ts";
import { newTask, type Task } from "../src/model/task.ts";

const T0 = new Date(Date.UTC(2026, 3, 22, 10, 15));
const ME = "7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11";
const ALICE = "1a2b3c4d-0000-4000-8000-00000000a11c";
const TASK_ID = "9b1e4c2a-77d0-4f5e-8a21-3c4d5e6f7a8b";

let counter = 0;
function msg(body: MessageBody, from = ALICE, extra: Partial<Message> = {}): Message {
  counter += 1;
  const id = `00000000-0000-4000-9000-${counter.toString(16).padStart(12, "0")}`;
  return { ...newMessage(from, ME, body, { id, now: T0 }), ...extra };
}

function task(description: string, tags: string[] = [], n = 0): Task {
  const id = `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
  return newTask(description, { id, tags, now: T0 });
}

const info = (summary: string) => msg({ type: "informational", summary });
const ack = (type: "received" | "thanks" | "approved") =>
  msg({ type: "confirmation", ackType: { type } });

function input(over: Partial<PromptInput> = {}): PromptInput {
  return {
    agentName: "backend",
    town: "demo",
    round: 1,
    maxRounds: 10,
    actionable: [],
    informational: [],
    confirmations: new Map(),
    backlog: { total: 0, matching: 0, shown: [] },
    roleHint: roleHint("backend"),
    ...over,
  };
}

function headings(prompt: string): string[] {
  return prompt.split("\n").filter((line) => /^#{1,2} /.test(line));
}

function section(prompt: string, heading: string): string[] {
  const lines = prompt.split("\n");
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `missing ${heading}`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^#{1,2} /.test(line));
  return (end < 0 ? rest : rest.slice(0, end)).filter((line) => line !== "");
}

const BASE_HEADINGS = [
  "# Agent: backend",
  "## Actionable Messages (already popped)",
  "## Available Commands",
  "## Backlog Snapshot",
  "## Current State",
  "## Your Workflow",
];

// ---------------------------------------------------------------------------------------------
// batching

Deno.test("batchMessages: urgent first, arrival order kept, categories split", () => {
  const u1 = msg({ type: "query", question: "now?" });
  const u2 = info("urgent fyi");
  const r1 = msg({ type: "task_assign", taskId: TASK_ID });
  const r2 = ack("thanks");
  const r3 = msg({ type: "shutdown" });
  const r4 = msg({ type: "status_request" });
  const r5 = msg({ type: "ping" });
  const r6 = msg({ type: "custom", kind: "note", payload: "thank you all" });
  const r7 = info("x".repeat(150));
  const batch = batchMessages([u1, u2], [r1, r2, r3, r4, r5, r6, r7]);
  assert.deepEqual(
    batch.actionable.map((a) => [a.message.id, a.urgent]),
    [[u1.id, true], [r1.id, false], [r3.id, false], [r4.id, false]],
  );
  assert.deepEqual(batch.informational.map((i) => i.text), ["urgent fyi", "ping", "x".repeat(150)]);
  assert.deepEqual(batch.informational.map((i) => i.id), [u2.id, r5.id, r7.id]);
  assert.deepEqual([...batch.confirmations], [["[note] thank you all", 1], ["thanks", 1]]);
  assert.equal(confirmationTotal(batch.confirmations), 2);
});

Deno.test("batchMessages: confirmations counted per whole text, sorted", () => {
  const long = "z".repeat(80);
  const batch = batchMessages([ack("thanks")], [
    ack("received"),
    msg({ type: "confirmation", ackType: { type: "rejected", reason: long } }),
    ack("thanks"),
    ack("approved"),
    msg({ type: "confirmation", ackType: { type: "rejected", reason: long + "different" } }),
    ack("received"),
    ack("received"),
  ]);
  assert.deepEqual([...batch.confirmations], [
    ["approved", 1],
    ["received", 3],
    [`rejected: ${long}`, 1],
    [`rejected: ${long}different`, 1],
    ["thanks", 2],
  ]);
  assert.equal(confirmationTotal(batch.confirmations), 8);
  assert.deepEqual(batch.actionable, []);
  assert.deepEqual(batch.informational, []);
});

Deno.test("sortedConfirmations: code-point order whatever the map order", () => {
  const counts = new Map([["b", 1], ["B", 2], ["😀", 3], ["\uffff", 4], ["a", 5]]);
  assert.deepEqual(sortedConfirmations(counts).map(([t]) => t), ["B", "a", "b", "\uffff", "😀"]);
  assert.ok(compareCodePoints("ab", "abc") < 0);
  assert.equal(compareCodePoints("x", "x"), 0);
});

Deno.test("taskAssignIds: task_assign ids that parse, normalised, in order", () => {
  const upper = "9B1E4C2A77D04F5E8A213C4D5E6F7A8B";
  const batch = batchMessages([msg({ type: "task_assign", taskId: "not-a-uuid" })], [
    msg({ type: "task", description: "free text" }),
    msg({ type: "task_assign", taskId: upper }),
    msg({ type: "task_assign", taskId: ALICE }),
  ]);
  assert.deepEqual(taskAssignIds(batch.actionable), [TASK_ID, ALICE]);
  assert.deepEqual(taskAssignIds([]), []);
});

// ---------------------------------------------------------------------------------------------
// prompt

Deno.test("buildPrompt: a single task assignment", () => {
  const t = task("Fix the login bug\nsecond line", ["api"], 7);
  const item: PromptActionable = {
    message: msg({ type: "task_assign", taskId: t.id }, SUPERVISOR_ID),
    urgent: false,
    task: t,
  };
  const prompt = buildPrompt(input({ actionable: [item], round: 3, maxRounds: 12 }));
  assert.deepEqual(headings(prompt), BASE_HEADINGS);
  assert.ok(
    prompt.startsWith('# Agent: backend\n\nYou are the agent "backend" in Tinytown "demo".\n'),
    prompt,
  );
  const actionable = section(prompt, "## Actionable Messages (already popped)");
  assert.deepEqual(actionable.slice(0, 7), [
    `1. [normal] task assignment from ${SUPERVISOR_ID}`,
    `   Task ID: ${t.id}`,
    "   Description: (exact text between the fence lines):",
    "```text",
    "Fix the login bug",
    "second line",
    "```",
  ]);
  assert.equal(
    actionable[7],
    `   Complete with: tt task complete ${t.id} --result "what was done"`,
  );
  assert.equal(actionable.length, 9);
  assert.match(actionable[8], /^ {3}\S.*(mission|work-item)/);
  assert.ok(prompt.includes("\n```text\nFix the login bug\nsecond line\n```\n"));
  assert.deepEqual(section(prompt, "## Current State"), [
    "- Round: 3/12",
    "- Actionable messages: 1",
    "- Urgent actionable: 0",
    "- Batched informational: 0",
    "- Auto-dismissed confirmations: 0",
  ]);
  assert.ok(prompt.endsWith("\n") && !prompt.endsWith("\n\n"));
  // the closing sentence follows the workflow
  const workflow = section(prompt, "## Your Workflow");
  assert.deepEqual(
    workflow.slice(0, 9).map((line) => line.split(" ")[0]),
    ["1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.", "9."],
  );
  assert.equal(workflow.length, 10);
  assert.ok(!/^\d/.test(workflow[9]));
  assert.ok(workflow.some((line) => line.includes("tt task current")));
});

Deno.test("buildPrompt: the command block lists tinytown's commands plus fail and inbox", () => {
  const prompt = buildPrompt(input({ agentName: "ui-bob" }));
  const block = section(prompt, "## Available Commands");
  assert.equal(block[0], "```bash");
  assert.equal(block[block.length - 1], "```");
  const commands = block.slice(1, -1).map((line) => line.split("#")[0].trimEnd());
  assert.deepEqual(commands.sort(), [
    'tt assign <agent> "task"',
    "tt backlog claim <task_id> ui-bob",
    "tt backlog list",
    "tt inbox",
    'tt send <agent> --ack "received"',
    'tt send <agent> --info "update"',
    'tt send <agent> --query "question"',
    'tt send <agent> --urgent --query "..."',
    "tt status",
    'tt task complete <task_id> --result "summary"',
    "tt task current",
    'tt task fail <task_id> --reason "why"',
  ]);
  for (const line of block.slice(1, -1)) assert.match(line, / # \S/);
});

Deno.test("buildPrompt: urgent and normal messages, urgent first, one-line texts whole", () => {
  const t = task("Ship it", [], 1);
  const urgentTask = msg({ type: "task_assign", taskId: t.id });
  const question = msg({ type: "query", question: "q".repeat(200) });
  const shutdown = msg({ type: "shutdown" }, SUPERVISOR_ID);
  const batch = batchMessages([urgentTask], [question, shutdown]);
  const actionable = batch.actionable.map((a): PromptActionable =>
    a.message.body.type === "task_assign" ? { ...a, task: t } : a
  );
  const prompt = buildPrompt(input({ actionable }));
  assert.deepEqual(headings(prompt), BASE_HEADINGS);
  const lines = section(prompt, "## Actionable Messages (already popped)");
  assert.equal(lines[0], `1. [URGENT] task assignment from ${ALICE}`);
  const q = `2. [normal] from ${ALICE}: question: ${"q".repeat(200)}`;
  assert.ok(lines.includes(q), lines.join("\n"));
  assert.ok(lines.includes(`3. [normal] from ${SUPERVISOR_ID}: shutdown requested`));
  assert.deepEqual(section(prompt, "## Current State").slice(1, 3), [
    "- Actionable messages: 3",
    "- Urgent actionable: 1",
  ]);
});

Deno.test("buildPrompt: sender labels replace raw ids when given", () => {
  const labels = new Map([[ALICE, "Alice [reviewer]"]]);
  const actionable = [
    { message: msg({ type: "query", question: "ok?" }), urgent: false },
    { message: msg({ type: "query", question: "and?" }, SUPERVISOR_ID), urgent: false },
  ];
  const prompt = buildPrompt(input({ actionable, senderLabels: labels }));
  const lines = section(prompt, "## Actionable Messages (already popped)");
  assert.deepEqual(lines, [
    "1. [normal] from Alice [reviewer]: question: ok?",
    `2. [normal] from ${SUPERVISOR_ID}: question: and?`,
  ]);
});

Deno.test("buildPrompt: informational and confirmations only, with role-matching backlog", () => {
  const infos = Array.from({ length: 10 }, (_, i) => info(`update ${i}`));
  const batch = batchMessages([], [ack("thanks"), ...infos, ack("received"), ack("thanks")]);
  assert.equal(batch.actionable.length, 0);
  const nudge = msg({ type: "query", question: backlogNudge("backend", 10) }, SUPERVISOR_ID);
  const backlogTasks = Array.from(
    { length: 10 },
    (_, i) => task(`API endpoint ${i} ${"d".repeat(100)}`, i === 0 ? ["api", "backend"] : [], i),
  );
  backlogTasks.push(task("Paint the fence", [], 99));
  const backlog = backlogSnapshot(roleBucket("backend"), backlogTasks);
  const prompt = buildPrompt(input({
    actionable: [{ message: nudge, urgent: false }],
    informational: batch.informational,
    confirmations: batch.confirmations,
    backlog,
  }));
  assert.deepEqual(headings(prompt), [
    "# Agent: backend",
    "## Actionable Messages (already popped)",
    "## Informational (batched summary)",
    "## Confirmations (auto-dismissed)",
    "## Available Commands",
    "## Backlog Snapshot",
    "## Current State",
    "## Your Workflow",
  ]);
  const infoLines = section(prompt, "## Informational (batched summary)");
  assert.deepEqual(infoLines, Array.from({ length: 10 }, (_, i) => `- update ${i}`));
  assert.deepEqual(section(prompt, "## Confirmations (auto-dismissed)"), [
    "- received x1",
    "- thanks x2",
  ]);
  const snap = section(prompt, "## Backlog Snapshot");
  assert.deepEqual(snap.slice(0, 3), [
    "- Total backlog tasks: 11",
    "- Role-matching backlog tasks: 10",
    `- Role hint: ${roleHint("backend")}`,
  ]);
  const listed = snap.filter((line) => line.startsWith("- 0000"));
  assert.equal(listed.length, 8);
  const first = `- ${backlogTasks[0].id} - API endpoint 0 ${"d".repeat(72)}... [api, backend]`;
  assert.equal(listed[0], first);
  assert.equal(listed[1], `- ${backlogTasks[1].id} - API endpoint 1 ${"d".repeat(72)}...`);
  assert.equal(snap[snap.length - 1], "- ...and 2 more role-matching backlog task(s)");
  assert.ok(!prompt.includes("Paint the fence"));
  assert.deepEqual(section(prompt, "## Current State").slice(3), [
    "- Batched informational: 10",
    "- Auto-dismissed confirmations: 3",
  ]);
});

Deno.test("buildPrompt: backlog with nothing matching, and an empty backlog", () => {
  const actionable = [{ message: msg({ type: "task", description: "hello" }), urgent: false }];
  const tasks = [task("Paint the fence"), undefined];
  const none = buildPrompt(input({ actionable, backlog: backlogSnapshot("backend", tasks) }));
  const snap = section(none, "## Backlog Snapshot");
  assert.equal(snap[0], "- Total backlog tasks: 2");
  assert.equal(snap[1], "- Role-matching backlog tasks: 0");
  assert.equal(snap.length, 4);
  assert.match(snap[3], /^No backlog task matches your role hint/);

  const empty = buildPrompt(input({ actionable }));
  assert.equal(section(empty, "## Backlog Snapshot").length, 3);
});

Deno.test("buildPrompt: a missing or invalid task record says details are unavailable", () => {
  const missing = msg({ type: "task_assign", taskId: TASK_ID });
  const invalid = msg({ type: "task_assign", taskId: "abc" });
  const prompt = buildPrompt(input({
    actionable: [{ message: missing, urgent: true }, { message: invalid, urgent: false }],
  }));
  const lines = section(prompt, "## Actionable Messages (already popped)");
  assert.equal(lines[0], `1. [URGENT] task assignment from ${ALICE}`);
  assert.equal(lines[1], `   Task ID: ${TASK_ID}`);
  assert.match(lines[2], /^ {3}Description: Task details unavailable\b/);
  assert.equal(lines[3], `   Complete with: tt task complete ${TASK_ID} --result "what was done"`);
  assert.equal(lines[5], `2. [normal] task assignment from ${ALICE}`);
  assert.equal(lines[6], "   Task ID: abc");
  assert.match(lines[7], /^ {3}Description: Task details unavailable\b/);
});

Deno.test("buildPrompt: a 10 KB multi-line description is carried whole", () => {
  const firstLine = "  " + "word ".repeat(60);
  const body = Array.from({ length: 200 }, (_, i) => `line ${i} ${"x".repeat(40)}`).join("\n");
  const t = task(`${firstLine}\n${body}`, [], 5);
  assert.ok(t.description.length > 10_000);
  const prompt = buildPrompt(input({
    actionable: [{ message: msg({ type: "task_assign", taskId: t.id }), urgent: false, task: t }],
  }));
  assert.ok(prompt.includes(`\n\`\`\`text\n${t.description}\n\`\`\`\n`), prompt);
});

Deno.test("buildPrompt: a redelivered message is marked after its priority", () => {
  const again = msg({ type: "query", question: "still there?" }, ALICE, { redelivered: true });
  const t = task("Retry me", [], 3);
  const assign = msg({ type: "task_assign", taskId: t.id }, ALICE, { redelivered: true });
  const prompt = buildPrompt(input({
    actionable: [{ message: again, urgent: true }, { message: assign, urgent: false, task: t }],
  }));
  const lines = section(prompt, "## Actionable Messages (already popped)");
  const mark = "(redelivered: a previous round did not finish)";
  assert.equal(lines[0], `1. [URGENT] ${mark} from ${ALICE}: question: still there?`);
  assert.equal(lines[1], `2. [normal] ${mark} task assignment from ${ALICE}`);
  const fresh = buildPrompt(input({
    actionable: [{ message: msg({ type: "query", question: "hi" }), urgent: false }],
  }));
  assert.ok(!fresh.includes("redelivered"));
});

Deno.test("buildPrompt: deterministic for the same input", () => {
  const make = () =>
    input({
      actionable: [{ message: msg({ type: "task", description: "a" }), urgent: false }],
      confirmations: new Map([["thanks", 1], ["approved", 2]]),
    });
  const a = make();
  assert.equal(buildPrompt(a), buildPrompt(a));
  assert.deepEqual(section(buildPrompt(a), "## Confirmations (auto-dismissed)"), [
    "- approved x2",
    "- thanks x1",
  ]);
});
