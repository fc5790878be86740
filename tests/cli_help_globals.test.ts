/** Every subcommand's `--help` lists the global options (-t/--town, -v/--verbose). */
import assert from "node:assert/strict";
import type { Command } from "commander";
import { buildProgram } from "../src/cli/app.ts";
import { runTt } from "./helpers/tt.ts";

function walk(cmd: Command, path: string[] = []): [string, Command][] {
  return cmd.commands.flatMap((sub) => {
    const here = [...path, sub.name()];
    return [[here.join(" "), sub] as [string, Command], ...walk(sub, here)];
  });
}

Deno.test("the help of every command and subcommand shows -t/--town and -v/--verbose", async () => {
  const commands = walk(await buildProgram());
  assert.ok(commands.length > 40, `found only ${commands.length} commands`);
  for (const [name, cmd] of commands) {
    const help = cmd.helpInformation();
    assert.match(help, /-t, --town <path>/, `tt ${name} --help`);
    assert.match(help, /-v, --verbose/, `tt ${name} --help`);
  }
});

Deno.test("tt task show --help, run for real, lists the global options", async () => {
  const r = await runTt(["task", "show", "--help"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Global Options:[\s\S]*-t, --town <path>[\s\S]*-v, --verbose/);
});
