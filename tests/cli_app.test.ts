/** The lazy command routing in src/cli/app.ts matches what each command group defines. */
import assert from "node:assert/strict";
import { buildProgram, COMMAND_GROUP, commandName } from "../src/cli/app.ts";

Deno.test("every command routes to the group that defines it, and every command is routed", async () => {
  const full = await buildProgram();
  const names = full.commands.map((c) => c.name()).filter((n) => n !== "help");
  assert.deepEqual([...names].sort(), Object.keys(COMMAND_GROUP).sort());
  for (const name of names) {
    const only = await buildProgram([name]);
    assert.ok(
      only.commands.some((c) => c.name() === name),
      `${name} is defined by group ${COMMAND_GROUP[name]}`,
    );
    assert.ok(only.commands.length < full.commands.length, `${name} loads one group only`);
  }
});

Deno.test("commandName skips global options and their values", () => {
  assert.equal(commandName(["-t", "/x", "-v", "send", "a", "b"]), "send");
  assert.equal(commandName(["--town", "status", "list"]), "list");
  assert.equal(commandName(["--town=/x", "status"]), "status");
  assert.equal(commandName(["-V"]), undefined);
  assert.equal(commandName([]), undefined);
});

Deno.test("an unknown command is one error line, with the suggestion on it", async () => {
  const { runTt } = await import("./helpers/tt.ts");
  const r = await runTt(["sned", "x", "y"]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "error: unknown command 'sned' (did you mean send?)\n");
});

Deno.test("--port of the REST and MCP servers: one parser, one error line, exit 2", async () => {
  const { runTt } = await import("./helpers/tt.ts");
  for (const argv of [["townhall", "rest"], ["townhall", "mcp-http"]]) {
    for (const bad of ["65536", "-1", "http"]) {
      const r = await runTt([...argv, "--port", bad]);
      assert.equal(r.code, 2, `${argv.join(" ")} --port ${bad}`);
      assert.equal(
        r.stderr,
        `error: --port must be a port number from 0 to 65535, got '${bad}'\n`,
      );
    }
  }
});
