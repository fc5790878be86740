/**
 * `tt restore` with hand-edited or damaged state files: every malformed value is a one-line
 * "not a tt state file" error, and nothing in the town is touched, even with --force.
 */
import assert from "node:assert/strict";
import { RedisClient } from "../src/redis/mod.ts";
import { openStore } from "../src/store/store.ts";
import { checkTownState, readTownState } from "../src/store/snapshot_redis.ts";
import { startRedis } from "./helpers/redis.ts";
import { makeTestTown, oneErrorLine } from "./helpers/tt.ts";

const BAD_KEYS: Record<string, unknown>[] = [
  { "tt:rv:x": { type: "list", value: "not an array" } },
  { "tt:rv:x": { type: "set", value: [5] } },
  { "tt:rv:x": { type: "hash", value: { field: 5 } } },
  { "tt:rv:x": { type: "hash", value: ["a"] } },
  { "tt:rv:x": { type: "string", value: { base64: "%%% not base64" } } },
  { "tt:rv:x": { type: "zset", value: [["member", "not a number"]] } },
  { "tt:rv:x": { type: "zset", value: ["member"] } },
  { "tt:rv:x": { type: "stream", value: [] } },
  { "tt:rv:x": { type: "stream", value: { entries: [{ id: "bad", fields: [] }], groups: [] } } },
  { "tt:rv:x": { type: "string", value: "a", ttl_ms: "soon" } },
];

Deno.test("tt restore --force refuses malformed values before touching the town", async () => {
  const town = await makeTestTown({ name: "rv", inProcess: true });
  try {
    const added = JSON.parse(await town.ok("backlog", "add", "keep me", "--json"));
    const file = `${town.dir}/bad-state.json`;
    for (const keys of BAD_KEYS) {
      const state = { format: "tt-state", version: 1, town: "rv", saved_at: "x", keys };
      await Deno.writeTextFile(file, JSON.stringify(state));
      const line = oneErrorLine(await town.tt("restore", "--file", file, "--force"), { code: 1 });
      assert.match(line, /is not a tt state file: key tt:rv:x /, JSON.stringify(keys));
      // The town's data is still there.
      const shown = JSON.parse(await town.ok("task", "show", added.id, "--json"));
      assert.equal(shown.description, "keep me", `after ${JSON.stringify(keys)}`);
    }
    await Deno.writeTextFile(
      file,
      JSON.stringify({ format: "tt-state", version: 1, town: "rv", keys: [] }),
    );
    assert.match(
      oneErrorLine(await town.tt("restore", "--file", file, "--force"), { code: 1 }),
      /not a tt state file: "keys" is missing/,
    );
  } finally {
    await town.cleanup();
  }
});

Deno.test("tt restore of a file without saved_at does not print 'undefined'", async () => {
  const town = await makeTestTown({ name: "rv", inProcess: true });
  try {
    const file = `${town.dir}/state.json`;
    const keys = { "tt:rv:backlog": { type: "list", value: ["a"] } };
    await Deno.writeTextFile(
      file,
      JSON.stringify({ format: "tt-state", version: 1, town: "rv", keys }),
    );
    const out = await town.ok("restore", "--file", file);
    assert.match(out, /Restored town 'rv'/);
    assert.doesNotMatch(out, /undefined/);
  } finally {
    await town.cleanup();
  }
});

Deno.test("the checks accept what tt save writes for every data type", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    const keys = openStore(client, "ok").keys;
    const k = (s: string) => `${keys.prefix}${s}`;
    await client.command(["SET", k("flag"), "1", "EX", "3600"]);
    await client.command(["SET", k("bin"), new Uint8Array([0, 255, 1, 128])]);
    await client.command(["HSET", k("h"), "a", "1"]);
    await client.command(["RPUSH", k("l"), "x"]);
    await client.command(["SADD", k("s"), "m"]);
    await client.command(["ZADD", k("z"), "-inf", "a", "1.5", "b", "+inf", "c"]);
    await client.command(["XADD", k("st"), "1-1", "f", "v1"]);
    await client.command(["XADD", k("st"), "2-1", "f", "v2"]);
    await client.command(["XGROUP", "CREATE", k("st"), "g", "0"]);
    await client.command(["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", k("st"), ">"]);
    await client.command(["XADD", k("empty"), "5-0", "f", "v"]);
    await client.command(["XDEL", k("empty"), "5-0"]);
    const state = JSON.parse(JSON.stringify(await readTownState(client, keys, "ok")));
    assert.equal(Object.keys(state.keys).length, 8);
    assert.deepEqual(checkTownState(state, "f.json").keys, state.keys);
  } finally {
    await client.close();
  }
});

Deno.test("a garbage state file is quoted as a short, escaped excerpt, never echoed raw", async () => {
  const town = await makeTestTown({ name: "rv", inProcess: true });
  try {
    const file = `${town.dir}/garbage.json`;
    const tail = "SECRET-TAIL-".repeat(30);
    const cases: [string, RegExp][] = [
      [`garbage \x1b[31mred\nline two ${tail}`, /starts with "garbage \\u001b\[31mred\\nline two/],
      [`{"a": 1,\n "b": oops\x07 ${tail}}`, /unexpected "o"[^\n]*starts with "\{\\"a\\": 1,\\n/],
      [`\u009b2J${"x".repeat(100)}`, /starts with "\\u009b2Jx+"…/],
      [`{"a" 1} ${tail}`, /line 1 column 6/],
      ["", /is empty/],
    ];
    for (const [text, expected] of cases) {
      await Deno.writeTextFile(file, text);
      const line = oneErrorLine(await town.tt("restore", "--file", file, "--force"), { code: 1 });
      assert.match(line, /is not valid JSON/);
      assert.match(line, expected);
      assert.doesNotMatch(line, /(SECRET-TAIL-){4}/, "at most a short excerpt");
      // deno-lint-ignore no-control-regex -- the point: no raw control characters
      assert.doesNotMatch(line, /[\x00-\x1f\x7f-\x9f]/, "control characters are escaped");
      assert.ok(line.length < file.length + 200, line);
    }
    const keyed = { format: "tt-state", version: 1, town: "rv", keys: { "tt:rv:\x1b]0;x": 1 } };
    await Deno.writeTextFile(file, JSON.stringify(keyed));
    const line = oneErrorLine(await town.tt("restore", "--file", file, "--force"), { code: 1 });
    assert.match(line, /key "tt:rv:\\u001b\]0;x" is not an object/);
  } finally {
    await town.cleanup();
  }
});
