import assert from "node:assert/strict";
import {
  decodeEvent,
  encodeEvent,
  EVENT_TYPES,
  eventIcon,
  newEvent,
  REFERENCE_EVENT_TYPES,
  TT_EVENT_TYPES,
} from "../src/model/event.ts";

const A = "7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11";
const B = "550e8400-e29b-41d4-a716-446655440000";
const MISSION = "c7d2aaaa-0000-4000-8000-000000000000";

// core §3.6 example, agent id filled in
const SPEC_EVENT =
  `{"event_type":"agent_interrupted","agent_id":"${A}","old_state":"Idle","new_state":"Paused","message":"Agent interrupted (paused)","timestamp":"2026-04-22T10:20:00.500Z"}`;

Deno.test("the spec's event decodes and re-encodes byte for byte", () => {
  const e = decodeEvent(SPEC_EVENT)!;
  assert.deepEqual(e, {
    eventType: "agent_interrupted",
    agentId: A,
    oldState: "Idle",
    newState: "Paused",
    message: "Agent interrupted (paused)",
    timestamp: new Date(Date.UTC(2026, 3, 22, 10, 20, 0, 500)),
  });
  assert.equal(encodeEvent(e), SPEC_EVENT);
});

Deno.test("every field is written in tinytown's order and round-trips", () => {
  const e = newEvent("agent_spawned", "spawned", {
    agentId: A,
    taskId: B,
    missionId: MISSION,
    oldState: "Cold",
    newState: "Starting",
    timestamp: new Date(Date.UTC(2026, 0, 1)),
    parentAgentId: B,
    childAgentId: A,
    scope: "backend",
    spawnMode: "forkedcontext",
  });
  const text = encodeEvent(e);
  assert.deepEqual(Object.keys(JSON.parse(text)), [
    "event_type",
    "agent_id",
    "task_id",
    "mission_id",
    "old_state",
    "new_state",
    "message",
    "timestamp",
    "parent_agent_id",
    "child_agent_id",
    "scope",
    "spawn_mode",
  ]);
  assert.equal(JSON.parse(text).timestamp, "2026-01-01T00:00:00Z");
  assert.deepEqual(decodeEvent(text), e);
  const bare = newEvent("mission_event", "hello");
  assert.deepEqual(Object.keys(JSON.parse(encodeEvent(bare))), [
    "event_type",
    "message",
    "timestamp",
  ]);
  assert.ok(!encodeEvent(bare).includes("null"));
});

Deno.test("all event types, including tt's own, round-trip and have icons", () => {
  assert.equal(REFERENCE_EVENT_TYPES.length, 22);
  assert.deepEqual(EVENT_TYPES.slice(22), [...TT_EVENT_TYPES]);
  for (const t of EVENT_TYPES) {
    const e = newEvent(t, "m", { timestamp: new Date(0) });
    assert.deepEqual(decodeEvent(encodeEvent(e)), e);
    assert.ok(eventIcon(t).length > 0, t);
  }
  assert.equal(eventIcon("agent_spawned"), "🐣");
  assert.equal(eventIcon("mission_help_needed"), "🆘");
});

Deno.test("bad event data is undefined, never a throw", () => {
  const good = JSON.parse(SPEC_EVENT);
  const v = (patch: Record<string, unknown>, drop: string[] = []) => {
    const o = { ...good, ...patch };
    for (const k of drop) delete o[k];
    return JSON.stringify(o);
  };
  const bad = [
    "",
    "nope",
    "[]",
    "null",
    "{}",
    "\u0000\uFFFF",
    v({ event_type: "agent_exploded" }),
    v({}, ["event_type"]),
    v({}, ["message"]),
    v({}, ["timestamp"]),
    v({ timestamp: "soon" }),
    v({ agent_id: "x" }),
    v({ old_state: 1 }),
    v({ spawn_mode: "Fresh" }),
    v({ message: null }),
  ];
  for (const text of bad) assert.equal(decodeEvent(text), undefined, text);
  // null optionals are read as absent (serde Option)
  assert.equal(decodeEvent(v({ task_id: null }))?.taskId, undefined);
  assert.equal(decodeEvent(v({ unknown_field: 1 }))?.agentId, A);
});
