/**
 * What tt prints for odd input: `--json` always prints JSON (or fails), and text written by
 * agents (messages, task descriptions) cannot send terminal control sequences to the user's
 * terminal through the human output.
 */
import assert from "node:assert/strict";
import { makeTestTown } from "./helpers/tt.ts";

Deno.test("tt inbox --json without an agent is a usage error, not usage text on stdout", async () => {
  const town = await makeTestTown({ name: "out", inProcess: true });
  try {
    const r = await town.tt("inbox", "--json");
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error: .*--all.*\n$/);
    // Without --json the usage lines are still printed (exit 0, as tinytown does).
    const plain = await town.tt("inbox");
    assert.equal(plain.code, 0);
    assert.match(plain.stdout, /^Usage: tt inbox <agent>/);
  } finally {
    await town.cleanup();
  }
});

Deno.test("control characters in messages and tasks are not printed raw", async () => {
  const town = await makeTestTown({ name: "out", inProcess: true });
  try {
    const evil = "title\x1b]0;pwned\x07 \x1b[2J\x1b[31mred\x9b1m\x7fend";
    await town.ok("send", "conductor", evil);
    await town.ok("backlog", "add", evil);
    const outputs = [
      await town.ok("inbox", "conductor"),
      await town.ok("inbox", "--all"),
      await town.ok("backlog", "list"),
      await town.ok("task", "list"),
      await town.ok("history"),
      await town.ok("events", "--agent", "conductor"),
    ];
    for (const out of outputs) {
      assert.match(out, /title/);
      // deno-lint-ignore no-control-regex -- the check is for control characters
      assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, JSON.stringify(out));
    }
    // JSON keeps the exact text (escaped by JSON itself).
    const json = JSON.parse(await town.ok("backlog", "list", "--json"));
    assert.equal(json.tasks[0].description, evil);
  } finally {
    await town.cleanup();
  }
});
