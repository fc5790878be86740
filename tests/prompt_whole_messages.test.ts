/**
 * Messages reach the agent whole: the prompt carries each message's full text, byte for byte,
 * within a size budget for the whole prompt (64 KiB); a text beyond it goes to a private file
 * in the agent's folder (0600 in a 0700 folder) that the prompt names. Unit tests of the
 * prompt, then real rounds: a 211-character two-line message and a 1 MiB message reach a
 * scripted CLI exactly as sent.
 */
import assert from "node:assert/strict";
import { basename } from "node:path";
import { batchMessages } from "../src/agent/classify.ts";
import {
  buildPrompt,
  composePrompt,
  PROMPT_BUDGET_BYTES,
  type PromptInput,
} from "../src/agent/prompt.ts";
import { roleHint } from "../src/agent/roles.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { type MessageBody, newMessage } from "../src/model/message.ts";
import { newTask } from "../src/model/task.ts";
import { chaosTown, shCli, waitFor } from "./fixtures/chaos_town.ts";
import { runTt } from "./helpers/tt.ts";
import { exists } from "./helpers/fs.ts";

const ME = "7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11";
const ALICE = "1a2b3c4d-0000-4000-8000-00000000a11c";
const bytes = (s: string) => new TextEncoder().encode(s).length;

/** 211 characters on two lines: tinytown showed 117 of the first and none of the second. */
const TWO_LINES = "Refactor the session cache so that expired entries are evicted lazily on read " +
  "instead of by the sweeper thread, keeping the public API unchanged\n" +
  "and add a regression test for issue 4821 with four racing readers.";

function input(bodies: MessageBody[], over: Partial<PromptInput> = {}): PromptInput {
  const messages = bodies.map((b) => newMessage(ALICE, ME, b));
  const batch = batchMessages([], messages);
  return {
    agentName: "backend",
    town: "demo",
    round: 1,
    maxRounds: 10,
    actionable: batch.actionable,
    informational: batch.informational,
    confirmations: batch.confirmations,
    backlog: { total: 0, matching: 0, shown: [] },
    roleHint: roleHint("backend"),
    ...over,
  };
}

/** A 1 MiB text of many lines (no trailing newline), with non-ASCII characters. */
function oneMiB(): string {
  const line = "line of a very long message — with ümlauts and `backticks` ";
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 1024 * 1024; i++) {
    const l = `${i} ${line}\n`;
    parts.push(l);
    size += bytes(l);
  }
  // Cut to 1 MiB - 1 bytes at a character boundary (the line is mostly ASCII), then pad.
  let text = parts.join("");
  while (bytes(text) > 1024 * 1024 - 1) text = text.slice(0, -1);
  return text + "!".repeat(1024 * 1024 - bytes(text));
}

Deno.test("TWO_LINES is 211 characters on two lines", () => {
  assert.equal(TWO_LINES.length, 211);
  assert.equal(TWO_LINES.split("\n").length, 2);
});

Deno.test("prompt: a two-line message is carried whole, verbatim between fences", () => {
  const prompt = buildPrompt(input([{ type: "task", description: TWO_LINES }]));
  assert.ok(prompt.includes(`\n\`\`\`text\n${TWO_LINES}\n\`\`\`\n`), prompt);
  assert.ok(prompt.includes(`1. [normal] from ${ALICE}: (exact text between the fence lines):`));
});

Deno.test("prompt: a long one-line query, an info and a rejection are whole", () => {
  const long = "why ".repeat(100).trim();
  const info = "status: " + "u".repeat(300);
  const reason = "r".repeat(200);
  const prompt = buildPrompt(input([
    { type: "query", question: long },
    { type: "informational", summary: info },
    { type: "confirmation", ackType: { type: "rejected", reason } },
  ]));
  assert.ok(prompt.includes(`: question: ${long}\n`));
  assert.ok(prompt.includes(`\n- ${info}\n`));
  assert.ok(prompt.includes(`\n- rejected: ${reason} x1\n`));
});

Deno.test("prompt: a fence is longer than any backtick run in the text", () => {
  const text = "look:\n```ts\ncode\n```\nand ````` five";
  const prompt = buildPrompt(input([{ type: "task", description: text }]));
  assert.ok(prompt.includes(`\n\`\`\`\`\`\`text\n${text}\n\`\`\`\`\`\`\n`), prompt);
});

Deno.test("prompt: leading spaces and a trailing newline are kept", () => {
  const text = "  indented\nlast line\n";
  const prompt = buildPrompt(input([{ type: "query", question: text }]));
  assert.ok(
    prompt.includes(
      `question (exact text between the fence lines):\n\`\`\`text\n${text}\n\`\`\`\n`,
    ),
  );
});

Deno.test("composePrompt: within the budget nothing goes to a file", () => {
  const i = input([{ type: "task", description: TWO_LINES }]);
  const r = composePrompt(i, { spillDir: "/town/.tt/agents/backend/messages" });
  assert.deepEqual(r.spilled, []);
  assert.equal(r.prompt, buildPrompt(i));
});

Deno.test("composePrompt: a 1 MiB message goes to a file the prompt names", () => {
  const big = oneMiB();
  assert.equal(bytes(big), 1024 * 1024);
  const i = input([{ type: "task", description: big }, { type: "query", question: TWO_LINES }]);
  const dir = "/town/.tt/agents/backend/messages";
  const { prompt, spilled } = composePrompt(i, { spillDir: dir });
  assert.ok(bytes(prompt) <= PROMPT_BUDGET_BYTES, `${bytes(prompt)} bytes`);
  assert.equal(spilled.length, 1);
  const id = i.actionable[0].message.id;
  assert.equal(spilled[0].path, `${dir}/${id}.txt`);
  assert.equal(spilled[0].text, big);
  assert.ok(
    prompt.includes(
      `[1048576 bytes in all, too long for this prompt: read the whole text from ` +
        `the file ${dir}/${id}.txt]`,
    ),
    prompt.slice(0, 2000),
  );
  assert.ok(prompt.includes(`1. [normal] from ${ALICE}: 0 line of a very long message`));
  // The small message after the big one still fits, whole.
  assert.ok(prompt.includes(`\`\`\`text\n${TWO_LINES}\n\`\`\``));
});

Deno.test("composePrompt: texts stay in the prompt in order while they fit", () => {
  const t = (c: string) => c.repeat(30 * 1024);
  const i = input([
    { type: "task", description: t("a") },
    { type: "task", description: t("b") },
    { type: "task", description: t("c") },
  ]);
  const { prompt, spilled } = composePrompt(i, { spillDir: "/d" });
  assert.ok(bytes(prompt) <= PROMPT_BUDGET_BYTES);
  assert.ok(prompt.includes(t("a")) && prompt.includes(t("b")));
  assert.deepEqual(spilled.map((s) => s.text), [t("c")]);
});

Deno.test("composePrompt: a long task description goes to a file too", () => {
  const task = newTask("d".repeat(100 * 1024));
  const m = newMessage(SUPERVISOR_ID, ME, { type: "task_assign", taskId: task.id });
  const { prompt, spilled } = composePrompt(
    { ...input([]), actionable: [{ message: m, urgent: false, task }] },
    { spillDir: "/d" },
  );
  assert.equal(spilled.length, 1);
  assert.equal(spilled[0].text, task.description);
  assert.ok(prompt.includes(`   Description: ${"d".repeat(77)}... [102400 bytes in all`));
  assert.ok(prompt.includes(`   Task ID: ${task.id}`));
});

Deno.test("the closing note no longer tells the agent not to read its messages", () => {
  const prompt = buildPrompt(input([{ type: "task", description: "x" }]));
  assert.ok(!prompt.includes("no need to fetch it again"));
  assert.match(prompt, /included above in full/);
});

// ---------------------------------------------------------------------------------------------
// real rounds

Deno.test("a 211-character two-line message and a 1 MiB message reach the CLI byte for byte", async () => {
  const town = await chaosTown({ config: { idle_timeout_secs: 0 } });
  try {
    const out = `${town.dir}/seen`;
    await town.ok("spawn", "reader", "--cli", shCli("cli_capture.sh", out));

    await town.ok("send", "reader", TWO_LINES);
    await waitFor("round 1", () => exists(`${out}/prompt-1.txt`), 30_000);
    const first = await Deno.readTextFile(`${out}/prompt-1.txt`);
    assert.ok(first.includes(`\n\`\`\`text\n${TWO_LINES}\n\`\`\`\n`), first);

    const big = oneMiB();
    const sent = await runTt(["--town", town.dir, "send", "reader", "-", "--json"], {
      env: town.env,
      stdin: big,
    });
    assert.equal(sent.code, 0, sent.stderr);
    const messageId = JSON.parse(sent.stdout).message_id as string;
    await waitFor("round 2", () => exists(`${out}/prompt-2.txt`), 30_000);
    const second = await Deno.readTextFile(`${out}/prompt-2.txt`);
    assert.ok(bytes(second) <= 64 * 1024, `prompt of ${bytes(second)} bytes`);
    const file = second.match(/read the whole text from the file (\S+)\]/)?.[1];
    assert.ok(file, second.slice(0, 3000));
    assert.ok(file.startsWith(`${town.dir}/.tt/agents/reader/`), file);
    assert.ok(file.endsWith(`/messages/${messageId}.txt`), file);
    const copy = await Deno.readFile(`${out}/${basename(file)}`);
    assert.deepEqual(copy, new TextEncoder().encode(big), "the file holds the message exactly");
    assert.deepEqual(await Deno.readTextFile(`${out}/modes`), "700 600\n");
    await waitFor("the file to be removed after the round", async () => !(await exists(file)));
  } finally {
    await town.done();
  }
});
