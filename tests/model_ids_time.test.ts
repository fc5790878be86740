import assert from "node:assert/strict";
import {
  isId,
  isSupervisorAlias,
  newId,
  parseId,
  shortId,
  SUPERVISOR_ID,
} from "../src/model/ids.ts";
import { hashTime, jsonTime, parseTime } from "../src/model/time.ts";

const CANON = "550e8400-e29b-41d4-a716-446655440000";

Deno.test("newId is a lowercase hyphenated v4 UUID and unique", () => {
  const a = newId();
  const b = newId();
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a, b);
  assert.equal(parseId(a), a);
});

Deno.test("parseId accepts every form the uuid crate accepts", () => {
  const forms = [
    CANON,
    CANON.toUpperCase(),
    "550E8400-e29b-41D4-a716-446655440000",
    "550e8400e29b41d4a716446655440000",
    "550E8400E29B41D4A716446655440000",
    `{${CANON}}`,
    `{${CANON.toUpperCase()}}`,
    `urn:uuid:${CANON}`,
    `urn:uuid:${CANON.toUpperCase()}`,
  ];
  for (const f of forms) assert.equal(parseId(f), CANON, f);
  assert.equal(parseId(SUPERVISOR_ID), SUPERVISOR_ID);
});

Deno.test("parseId refuses everything else", () => {
  const bad = [
    "",
    "550e",
    ` ${CANON}`,
    `${CANON} `,
    "550e8400-e29b-41d4-a716-44665544000g",
    "550e8400-e29b-41d4-a716_446655440000",
    "550e8400e29b-41d4-a716-4466554400000",
    "{550e8400e29b41d4a716446655440000}",
    `{${CANON}`,
    `URN:UUID:${CANON}`,
    `urn:uuid:550e8400e29b41d4a716446655440000`,
    `${CANON}0`,
    "supervisor",
    "550e8400-e29b-41d4-a716-4466554400001",
  ];
  for (const b of bad) assert.equal(parseId(b), undefined, b);
  assert.equal(isId("nope"), false);
  assert.equal(isId(CANON), true);
});

Deno.test("shortId is the first four characters", () => {
  assert.equal(shortId(CANON), "550e");
  assert.equal(shortId(SUPERVISOR_ID), "0000");
});

Deno.test("supervisor aliases are trimmed and case-insensitive", () => {
  for (const s of ["supervisor", "conductor", " Supervisor ", "CONDUCTOR", "\tconductor\n"]) {
    assert.equal(isSupervisorAlias(s), true, s);
  }
  for (const s of ["supervisor-2", "super visor", "", "conductors", "worker"]) {
    assert.equal(isSupervisorAlias(s), false, s);
  }
  assert.equal(SUPERVISOR_ID, "00000000-0000-0000-0000-000000000001");
});

Deno.test("hashTime and jsonTime: fraction only when non-zero, 3 digits", () => {
  const whole = new Date(Date.UTC(2026, 3, 22, 10, 11, 12));
  const frac = new Date(Date.UTC(2026, 3, 22, 10, 11, 12, 5));
  assert.equal(hashTime(whole), "2026-04-22T10:11:12+00:00");
  assert.equal(jsonTime(whole), "2026-04-22T10:11:12Z");
  assert.equal(hashTime(frac), "2026-04-22T10:11:12.005+00:00");
  assert.equal(jsonTime(frac), "2026-04-22T10:11:12.005Z");
});

Deno.test("parseTime reads tinytown's 9-digit fractions and any offset", () => {
  const cases: [string, number][] = [
    ["2026-04-22T10:11:12.123456789+00:00", Date.UTC(2026, 3, 22, 10, 11, 12, 123)],
    ["2026-04-22T10:11:12.123456789Z", Date.UTC(2026, 3, 22, 10, 11, 12, 123)],
    ["2026-04-22T10:11:12Z", Date.UTC(2026, 3, 22, 10, 11, 12)],
    ["2026-04-22T10:11:12+00:00", Date.UTC(2026, 3, 22, 10, 11, 12)],
    ["2026-04-22T10:11:12.5Z", Date.UTC(2026, 3, 22, 10, 11, 12, 500)],
    ["2026-04-22T10:11:12.000000001+00:00", Date.UTC(2026, 3, 22, 10, 11, 12)],
    ["2026-04-22T12:11:12+02:00", Date.UTC(2026, 3, 22, 10, 11, 12)],
    ["2026-04-22T05:41:12-04:30", Date.UTC(2026, 3, 22, 10, 11, 12)],
    ["2026-04-22t10:11:12z", Date.UTC(2026, 3, 22, 10, 11, 12)],
    ["2026-04-22 10:11:12Z", Date.UTC(2026, 3, 22, 10, 11, 12)],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
    ["0050-01-01T00:00:00Z", Date.parse("0050-01-01T00:00:00Z")],
  ];
  for (const [s, ms] of cases) assert.equal(parseTime(s)?.getTime(), ms, s);
});

Deno.test("parseTime refuses what is not RFC 3339", () => {
  const bad = [
    "",
    "2026-04-22",
    "2026-04-22T10:11:12",
    "2026-04-22T10:11:12+0000",
    "2026-04-22T10:11Z",
    "2026-13-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2025-02-29T00:00:00Z",
    "2026-04-22T24:00:00Z",
    "2026-04-22T10:60:00Z",
    "2026-04-22T10:11:12.Z",
    "2026-04-22T10:11:12Z ",
    "not a time",
    "1714000000",
  ];
  for (const s of bad) assert.equal(parseTime(s), undefined, s);
});

Deno.test("time formats round-trip", () => {
  for (const ms of [0, 1, 999, 1_776_852_672_123]) {
    const d = new Date(ms);
    assert.equal(parseTime(hashTime(d))?.getTime(), ms);
    assert.equal(parseTime(jsonTime(d))?.getTime(), ms);
  }
});
