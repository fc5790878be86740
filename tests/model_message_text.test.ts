import assert from "node:assert/strict";
import {
  categoryPrefix,
  classifyCustom,
  classifyMessage,
  type Confirmation,
  describeMessage,
  isActionable,
  type MessageBody,
  type MessageCategory,
  parseAck,
  summarizeMessage,
  truncateSummary,
} from "../src/model/message.ts";

const T = "9b1e4c2a-77d0-4f5e-8a21-3c4d5e6f7a8b";

// body, category, actionable, summary
const TABLE: [MessageBody, MessageCategory, boolean, string][] = [
  [{ type: "task_assign", taskId: T }, "task", true, `task assignment ${T}`],
  [{ type: "task", description: "Review it" }, "task", true, "Review it"],
  [{ type: "query", question: "Why?" }, "query", true, "question: Why?"],
  [{ type: "status_request" }, "query", true, "status requested"],
  [{ type: "informational", summary: "CI green" }, "informational", false, "CI green"],
  [{ type: "task_done", taskId: T, result: "ok" }, "informational", false, `task ${T} done: ok`],
  [
    { type: "task_failed", taskId: T, error: "no" },
    "informational",
    false,
    `task ${T} failed: no`,
  ],
  [{ type: "status_response", state: "idle" }, "informational", false, "status idle"],
  [
    { type: "status_response", state: "working", currentTask: T },
    "informational",
    false,
    `status working (${T})`,
  ],
  [{ type: "ping" }, "informational", false, "ping"],
  [{ type: "pong" }, "informational", false, "pong"],
  [
    { type: "confirmation", ackType: { type: "received" } },
    "confirmation",
    false,
    "received",
  ],
  [
    { type: "confirmation", ackType: { type: "rejected", reason: "no tests" } },
    "confirmation",
    false,
    "rejected: no tests",
  ],
  [{ type: "shutdown" }, "other_actionable", true, "shutdown requested"],
  [{ type: "custom", kind: "pr_ready", payload: "see #4" }, "task", true, "[pr_ready] see #4"],
];

Deno.test("classification, actionability and summaries (core §3.9)", () => {
  for (const [body, category, actionable, summary] of TABLE) {
    const what = JSON.stringify(body);
    assert.equal(classifyMessage(body), category, what);
    assert.equal(isActionable(body), actionable, what);
    assert.equal(summarizeMessage(body), summary, what);
  }
  assert.deepEqual(
    (["task", "query", "informational", "confirmation", "other_actionable"] as const).map(
      categoryPrefix,
    ),
    ["[T]", "[Q]", "[I]", "[C]", "[!]"],
  );
});

Deno.test("custom messages are classified by keywords, first rule wins", () => {
  const cases: [string, string, MessageCategory][] = [
    ["ack", "", "confirmation"],
    ["note", "Thank You kindly", "confirmation"],
    ["pr", "RECEIVED the files", "confirmation"],
    ["review", "approved", "confirmation"],
    ["feedback", "a track record", "confirmation"], // "track" contains "ack"
    ["status", "please answer the question", "informational"], // info rules before query
    ["fyi", "", "informational"],
    ["deploy", "update done", "informational"],
    ["x", "information", "informational"],
    ["query", "", "query"],
    ["x", "a Question", "query"],
    ["pr_ready", "merge it", "task"],
    ["", "", "task"],
  ];
  for (const [kind, payload, expected] of cases) {
    assert.equal(classifyCustom(kind, payload), expected, `${kind} ${payload}`);
    assert.equal(classifyMessage({ type: "custom", kind, payload }), expected);
  }
  // the keyword can straddle kind and payload through the joining space
  assert.equal(classifyCustom("thank", "you"), "confirmation");
});

Deno.test("describeMessage shows the task description when known", () => {
  const body: MessageBody = { type: "task_assign", taskId: T };
  assert.equal(describeMessage(body, "Fix login"), `task ${T}: Fix login`);
  assert.equal(describeMessage(body), `task ${T}`);
  assert.equal(describeMessage({ type: "ping" }, "ignored"), "ping");
});

Deno.test("truncateSummary: first line, trimmed, N-3 characters plus ...", () => {
  const cases: [string, number, string][] = [
    ["short", 10, "short"],
    ["exactly10!", 10, "exactly10!"],
    ["exactly 11!", 10, "exactly..."],
    ["  padded  \nsecond line", 20, "padded"],
    ["first\r\nsecond", 20, "first"],
    ["\nafter blank", 20, ""],
    ["", 5, ""],
    ["ééééééé", 5, "éé..."],
    ["🚀🚀🚀🚀🚀🚀", 5, "🚀🚀..."],
    ["abcdef", 2, "..."],
  ];
  for (const [text, max, expected] of cases) {
    assert.equal(truncateSummary(text, max), expected, JSON.stringify(text));
  }
});

Deno.test("parseAck follows tt send --ack rules (core §5.18)", () => {
  const cases: [string, Confirmation][] = [
    ["rejected: missing tests", { type: "rejected", reason: "missing tests" }],
    ["  REJECTED:   Too Big  ", { type: "rejected", reason: "Too Big" }],
    ["rejected:", { type: "rejected", reason: "No reason provided" }],
    ["rejected:   ", { type: "rejected", reason: "No reason provided" }],
    ["rejected: a: b", { type: "rejected", reason: "a: b" }],
    ["rejected without colon", { type: "acknowledged" }],
    ["received", { type: "received" }],
    ["Received, thanks", { type: "received" }],
    ["approved!", { type: "approved" }],
    ["APPROVED", { type: "approved" }],
    ["thanks a lot", { type: "thanks" }],
    ["many thanks", { type: "thanks" }],
    ["Thank you!", { type: "thanks" }],
    ["I have received it", { type: "acknowledged" }],
    ["ok", { type: "acknowledged" }],
    ["", { type: "acknowledged" }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseAck(text), expected, text);
});
