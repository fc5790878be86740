import assert from "node:assert/strict";
import {
  decodeMessage,
  encodeMessage,
  type Message,
  MESSAGE_TYPES,
  type MessageBody,
  newMessage,
  pushesToFront,
} from "../src/model/message.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";

const A = "7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11";
const M = "2f0c9d1e-1111-4222-8333-944455556666";
const T = "9b1e4c2a-77d0-4f5e-8a21-3c4d5e6f7a8b";
const NOW = new Date(Date.UTC(2026, 3, 22, 10, 15, 0, 1));

const ALL_BODIES: MessageBody[] = [
  { type: "task", description: "Review src/auth.rs" },
  { type: "query", question: "Which OAuth scope names?" },
  { type: "informational", summary: "CI is green" },
  { type: "confirmation", ackType: { type: "received" } },
  { type: "confirmation", ackType: { type: "acknowledged" } },
  { type: "confirmation", ackType: { type: "thanks" } },
  { type: "confirmation", ackType: { type: "approved" } },
  { type: "confirmation", ackType: { type: "rejected", reason: "missing tests" } },
  { type: "task_assign", taskId: T },
  { type: "task_done", taskId: T, result: "merged" },
  { type: "task_failed", taskId: T, error: "tests fail" },
  { type: "status_request" },
  { type: "status_response", state: "idle" },
  { type: "status_response", state: "working", currentTask: T },
  { type: "ping" },
  { type: "pong" },
  { type: "shutdown" },
  { type: "custom", kind: "pr_ready", payload: '{"files":["a.rs"]}' },
];

function decoded(text: string): Message {
  const r = decodeMessage(text);
  if (!r.ok) throw new Error(`expected ok, got: ${r.reason}`);
  return r.message;
}

Deno.test("every message type round-trips", () => {
  assert.deepEqual(new Set(ALL_BODIES.map((b) => b.type)), new Set(MESSAGE_TYPES));
  for (const body of ALL_BODIES) {
    for (const priority of ["low", "normal", "high", "urgent"] as const) {
      const m = newMessage(A, SUPERVISOR_ID, body, { priority, now: NOW, correlationId: M });
      const text = encodeMessage(m);
      assert.deepEqual(decoded(text), m, text);
      assert.equal(encodeMessage(decoded(text)), text);
    }
  }
});

Deno.test("newMessage defaults: normal priority, no correlation id, fresh id", () => {
  const m = newMessage(SUPERVISOR_ID, A, { type: "ping" });
  assert.equal(m.priority, "normal");
  assert.equal("correlationId" in m, false);
  assert.match(m.id, /^[0-9a-f-]{36}$/);
  assert.ok(Math.abs(m.createdAt.getTime() - Date.now()) < 60_000);
  assert.deepEqual([pushesToFront("low"), pushesToFront("normal")], [false, false]);
  assert.deepEqual([pushesToFront("high"), pushesToFront("urgent")], [true, true]);
});

// core §3.5, with the elided ids filled in; timestamps keep tinytown's 9 digits
const SPEC_LINES = [
  `{"id":"${M}","from":"00000000-0000-0000-0000-000000000001","to":"${A}","type":"task_assign","task_id":"${T}","priority":"normal","created_at":"2026-04-22T10:15:00.000001203Z","correlation_id":null}`,
  `{"id":"${M}","from":"00000000-0000-0000-0000-000000000001","to":"${A}","type":"task","description":"Review src/auth.rs","priority":"normal","created_at":"2026-04-22T10:15:00.123456789Z","correlation_id":null}`,
  `{"id":"${M}","from":"${A}","to":"00000000-0000-0000-0000-000000000001","type":"query","question":"Which OAuth scope names?","priority":"normal","created_at":"2026-04-22T10:15:00Z","correlation_id":null}`,
  `{"id":"${M}","from":"${A}","to":"${A}","type":"informational","summary":"CI is green","priority":"normal","created_at":"2026-04-22T10:15:00.5Z","correlation_id":null}`,
  `{"id":"${M}","from":"${A}","to":"${A}","type":"confirmation","ack_type":{"type":"received"},"priority":"normal","created_at":"2026-04-22T10:15:00Z","correlation_id":null}`,
  `{"id":"${M}","from":"${A}","to":"${A}","type":"confirmation","ack_type":{"type":"rejected","reason":"missing tests"},"priority":"normal","created_at":"2026-04-22T10:15:00Z","correlation_id":null}`,
  `{"id":"${M}","from":"${A}","to":"${A}","type":"ping","priority":"normal","created_at":"2026-04-22T10:15:00Z","correlation_id":null}`,
  `{"id":"${M}","from":"${A}","to":"${A}","type":"status_response","state":"idle","current_task":null,"priority":"normal","created_at":"2026-04-22T10:15:00Z","correlation_id":"${T}"}`,
  `{"id":"${M}","from":"${A}","to":"${A}","type":"custom","kind":"pr_ready","payload":"{\\"files\\":[\\"a.rs\\"]}","priority":"high","created_at":"2026-04-22T10:15:00Z","correlation_id":null}`,
];

Deno.test("the spec's example lines decode and re-encode in the same field order", () => {
  for (const line of SPEC_LINES) {
    const out = encodeMessage(decoded(line));
    assert.deepEqual(Object.keys(JSON.parse(out)), Object.keys(JSON.parse(line)), line);
    // the only change is the fraction, cut to milliseconds (dropped when zero)
    const expected = line.replace(/"created_at":"([^"]*)"/, (_m, t: string) => {
      const ms = Date.parse(t) % 1000;
      const base = t.slice(0, 19);
      return `"created_at":"${base}${ms ? "." + String(ms).padStart(3, "0") : ""}Z"`;
    });
    assert.equal(out, expected);
  }
  const custom = decoded(SPEC_LINES[8]);
  assert.deepEqual(custom.body, {
    type: "custom",
    kind: "pr_ready",
    payload: '{"files":["a.rs"]}',
  });
  assert.equal(custom.priority, "high");
  assert.equal(decoded(SPEC_LINES[7]).correlationId, T);
});

Deno.test("decoding tolerates field order, unknown fields, other UUID spellings", () => {
  const text = JSON.stringify({
    correlation_id: null,
    extra: { nested: true },
    created_at: "2026-04-22T12:15:00+02:00",
    priority: "urgent",
    description: "hi",
    type: "task",
    to: A.toUpperCase(),
    from: `{${SUPERVISOR_ID}}`,
    id: M.replaceAll("-", ""),
  });
  const m = decoded(text);
  assert.deepEqual(m, {
    id: M,
    from: SUPERVISOR_ID,
    to: A,
    body: { type: "task", description: "hi" },
    priority: "urgent",
    createdAt: new Date(Date.UTC(2026, 3, 22, 10, 15)),
  });
  // correlation_id may be missing altogether (serde Option); current_task too
  const base = JSON.parse(SPEC_LINES[7]);
  delete base.correlation_id;
  delete base.current_task;
  const sr = decoded(JSON.stringify(base));
  assert.deepEqual(sr.body, { type: "status_response", state: "idle" });
  assert.equal("correlationId" in sr, false);
});

Deno.test("redelivered: written only when true, after correlation_id; read back", () => {
  const m = newMessage(A, A, { type: "task", description: "x" }, { now: NOW });
  assert.equal(encodeMessage({ ...m, redelivered: false }), encodeMessage(m));
  const text = encodeMessage({ ...m, redelivered: true });
  assert.deepEqual(Object.keys(JSON.parse(text)).slice(-2), ["correlation_id", "redelivered"]);
  assert.equal(decoded(text).redelivered, true);
  const notBool = text.replace('"redelivered":true', '"redelivered":"yes"');
  assert.equal("redelivered" in decoded(notBool), false);
});

Deno.test("malformed input gives ok:false, never a throw", () => {
  const good = JSON.parse(SPEC_LINES[0]);
  const variant = (patch: Record<string, unknown>, drop: string[] = []) => {
    const o = { ...good, ...patch };
    for (const k of drop) delete o[k];
    return JSON.stringify(o);
  };
  const bad: string[] = [
    "",
    " ",
    "null",
    "true",
    "42",
    '"a string"',
    "[]",
    "[1,2,3]",
    "{",
    "{}",
    "{'id': 1}",
    SPEC_LINES[0].slice(0, -1),
    "\u0000\u0001\u0002\uFFFD\uD800garbage",
    String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i)),
    "[".repeat(100_000),
    `{"id":"${"x".repeat(5_000_000)}"}`,
    variant({ type: "nonsense" }),
    variant({ type: 7 }),
    variant({}, ["type"]),
    variant({}, ["id"]),
    variant({ id: "not-a-uuid" }),
    variant({ from: 12 }),
    variant({ to: null }),
    variant({}, ["task_id"]),
    variant({ task_id: 5 }),
    variant({ priority: "NORMAL" }),
    variant({ priority: "critical" }),
    variant({}, ["priority"]),
    variant({}, ["created_at"]),
    variant({ created_at: "yesterday" }),
    variant({ created_at: 1714000000 }),
    variant({ correlation_id: "nope" }),
    variant({ correlation_id: 3 }),
    variant({ type: "confirmation" }),
    variant({ type: "confirmation", ack_type: "received" }),
    variant({ type: "confirmation", ack_type: { type: "meh" } }),
    variant({ type: "confirmation", ack_type: { type: "rejected" } }),
    variant({ type: "status_response", state: "idle", current_task: 4 }),
    variant({ type: "task_done" }),
    variant({ type: "custom", kind: "k" }),
  ];
  for (const text of bad) {
    let r;
    assert.doesNotThrow(() => {
      r = decodeMessage(text);
    }, text.slice(0, 80));
    assert.equal(r!.ok, false, text.slice(0, 80));
    if (!r!.ok) {
      assert.ok(r!.reason.length > 0 && r!.reason.length < 200, r!.reason);
      assert.ok(!r!.reason.includes("\n"));
    }
  }
  // non-string input from careless callers is also an ok:false
  assert.equal(decodeMessage(undefined as unknown as string).ok, false);
  const r = decodeMessage(variant({ priority: "critical" }));
  assert.equal(r.ok ? "" : r.reason, "field 'priority' has unknown value 'critical'");
});

Deno.test("encodeMessage writes what JSON.stringify of the field-ordered object writes", () => {
  // The reference: the object in tinytown's order, stringified whole.
  const reference = (m: Message): string => {
    const b = m.body as unknown as Record<string, unknown>;
    const fields: Record<string, unknown> = { id: m.id, from: m.from, to: m.to, type: b.type };
    const snake: Record<string, string> = { taskId: "task_id", currentTask: "current_task" };
    for (const [k, v] of Object.entries(b)) {
      if (k === "type") continue;
      if (k === "ackType") fields.ack_type = v;
      else fields[snake[k] ?? k] = v;
    }
    if (b.type === "status_response") fields.current_task = b.currentTask ?? null;
    Object.assign(fields, {
      priority: m.priority,
      created_at: m.createdAt.toISOString().replace(".000Z", "Z"),
      correlation_id: m.correlationId ?? null,
    });
    if (m.redelivered) fields.redelivered = true;
    return JSON.stringify(fields);
  };
  const awkward = 'quote " backslash \\ newline \n tab \t nul \u0000 é 😀 \ud800 </script>';
  const bodies: MessageBody[] = [
    ...ALL_BODIES,
    { type: "task", description: awkward },
    { type: "custom", kind: awkward, payload: awkward },
    { type: "task_done", taskId: T, result: "" },
  ];
  for (const body of bodies) {
    for (const now of [NOW, new Date(Date.UTC(2026, 0, 1))]) {
      const m = newMessage(A, SUPERVISOR_ID, body, { now, correlationId: M });
      assert.equal(encodeMessage(m), reference(m));
      const plain = newMessage(A, SUPERVISOR_ID, body, { now });
      assert.equal(encodeMessage(plain), reference(plain));
      const again = { ...plain, redelivered: true };
      assert.equal(encodeMessage(again), reference(again));
    }
  }
});
