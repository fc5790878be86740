import assert from "node:assert/strict";
import { BOYS, GIRLS, nicknameFor } from "../src/model/nicknames.ts";
import { MAX_AGENT_NAME_LENGTH, validateAgentName } from "../src/model/names.ts";
import { ConfigError } from "../src/errors.ts";

Deno.test("nickname lists have 200 names each, in the spec's order", () => {
  assert.equal(BOYS.length, 200);
  assert.equal(GIRLS.length, 200);
  assert.deepEqual(BOYS.slice(0, 3), ["Robert", "John", "James"]);
  assert.equal(BOYS[199], "Forrest");
  assert.deepEqual(GIRLS.slice(0, 3), ["Mary", "Dorothy", "Helen"]);
  assert.equal(GIRLS[199], "Jeannette");
});

Deno.test("nicknameFor matches the spec's examples", () => {
  assert.equal(nicknameFor("7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11"), "Matthew");
  assert.equal(nicknameFor("550e8400-e29b-41d4-a716-446655440000"), "Wilbert");
  assert.equal(nicknameFor("c7d2e0a1-0000-4000-8000-000000000000"), "Madeline");
  assert.equal(nicknameFor("00000000-0000-0000-0000-000000000001"), "Robert");
  // 0x00c8 = 200 -> first girl; 0xffff = 65535 -> 335 -> GIRLS[135]
  assert.equal(nicknameFor("00c80000-0000-4000-8000-000000000000"), "Mary");
  assert.equal(nicknameFor("ffff0000-0000-4000-8000-000000000000"), GIRLS[135]);
  // other UUID spellings give the same name
  assert.equal(nicknameFor("{7F3A2C10-5B8E-4D2A-9C1F-0E6B4A8D2F11}"), "Matthew");
});

Deno.test("validateAgentName accepts plain tokens", () => {
  const ok = [
    "backend",
    "Backend-2",
    "a",
    "worker_1.v2",
    "supervisor-2",
    "conductor_x",
    "my.agent",
    "a..b",
    "9lives",
    "x".repeat(MAX_AGENT_NAME_LENGTH),
  ];
  for (const name of ok) assert.equal(validateAgentName(name), name);
});

Deno.test("validateAgentName refuses with a reason naming the problem", () => {
  const cases: [string, RegExp][] = [
    ["", /must not be empty/],
    ["   ", /must not be empty/],
    ["a b", /contains a space/],
    ["a\tb", /contains whitespace/],
    ["x;y", /contains ';'/],
    ["$(rm)", /contains '\$'/],
    ["`id`", /contains '`'/],
    ["a|b", /contains '\|'/],
    ["a&b", /contains '&'/],
    ["a>b", /contains '>'/],
    ["../x", /path separator \('\/'\)/],
    ["a/b", /path separator \('\/'\)/],
    ["a\\b", /path separator \('\\'\)/],
    ["a*", /contains '\*'/],
    ["é", /contains 'é'/],
    ["a\u0000b", /control character \(U\+0000\)/],
    [".hidden", /must not start with '\.'/],
    ["-rf", /must not start with '-'/],
    ["conductor", /reserved/],
    ["Supervisor", /reserved/],
    [" SUPERVISOR ", /reserved/],
    ["x".repeat(MAX_AGENT_NAME_LENGTH + 1), /too long \(65 characters; at most 64\)/],
  ];
  for (const [name, message] of cases) {
    assert.throws(() => validateAgentName(name), ConfigError, JSON.stringify(name));
    assert.throws(() => validateAgentName(name), message, JSON.stringify(name));
    try {
      validateAgentName(name);
    } catch (err) {
      assert.ok(!(err as Error).message.includes("\n"));
    }
  }
});
