/**
 * The town `name` in tinytown.toml becomes part of every Redis key (`tt:<name>:…`) and is
 * checked on load with the rules of `tt init --name`; the error names the file and line.
 */
import assert from "node:assert/strict";
import { ConfigError } from "../src/errors.ts";
import { parseTownConfig } from "../src/town/config.ts";
import { makeTestTown, oneErrorLine } from "./helpers/tt.ts";

const BAD: [string, RegExp][] = [
  ['name = ""', /must not be empty/],
  ['name = "a b;$(id)"', /may only contain letters, digits/],
  ['name = "../x"', /may only contain letters, digits/],
  ['name = "-x"', /must not start with/],
  [`name = "${"n".repeat(65)}"`, /longer than 64/],
];

Deno.test("parseTownConfig refuses a bad town name with file and line", () => {
  for (const [line, why] of BAD) {
    const text = `# my town\n\n${line}\ndefault_cli = "claude"\n`;
    assert.throws(
      () => parseTownConfig(text, "/srv/t/tinytown.toml"),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(err.message, /^\/srv\/t\/tinytown\.toml:3: /, err.message);
        assert.match(err.message, /invalid town name/);
        assert.match(err.message, why);
        return true;
      },
      line,
    );
  }
  assert.equal(parseTownConfig('name = "ok-town.1"\n', "f").name, "ok-town.1");
});

Deno.test("a town whose tinytown.toml has a bad name: every command says so in one line", async () => {
  const town = await makeTestTown({ name: "good", inProcess: true });
  try {
    const file = `${town.dir}/tinytown.toml`;
    const original = await Deno.readTextFile(file);
    await town.ok("stop");
    for (const bad of ['name = ""', 'name = "a b;$(id)"']) {
      await Deno.writeTextFile(file, original.replace(/^name = .*$/m, bad));
      const line = original.split("\n").findIndex((l) => l.startsWith("name = ")) + 1;
      for (const args of [["status"], ["list"], ["spawn", "w1", "--cli", "true"]]) {
        const r = await town.tt(...args);
        const error = oneErrorLine(r, { code: 1 });
        assert.equal(
          error.startsWith(`error: ${file}:${line}: 'name' is an invalid town name`),
          true,
          `${args.join(" ")} with ${bad}: ${error}`,
        );
      }
    }
  } finally {
    await town.cleanup();
  }
});
