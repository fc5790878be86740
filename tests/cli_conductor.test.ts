import assert from "node:assert/strict";
import { makeTestTown } from "./helpers/tt.ts";

const FIXTURE = new URL("./fixtures/conductor_cli.sh", import.meta.url).pathname;

/** Points the town's conductor at the scripted CLI. */
async function useScriptedConductor(dir: string): Promise<void> {
  const file = `${dir}/tinytown.toml`;
  const text = await Deno.readTextFile(file);
  await Deno.writeTextFile(
    file,
    text.replace(/^default_cli = .*$/m, (l) => `${l}\nconductor_cli = "scripted"`) +
      `\n[agent_clis.scripted]\nname = "scripted"\ncommand = "sh ${FIXTURE}"\n`,
  );
}

Deno.test("conductor: the CLI gets the briefing on the town and its tt commands act on it", async () => {
  const town = await makeTestTown({ name: "cond-town" });
  try {
    await useScriptedConductor(town.dir);
    const r = await town.tt("conductor");
    assert.equal(r.code, 0, r.stderr);
    const saw = await Deno.readTextFile(`${town.dir}/conductor_saw.md`);
    assert.match(saw, /^# Tinytown Conductor/);
    assert.match(saw, /Tinytown "cond-town"/);
    assert.match(saw, /## Fresh Start/);
    assert.match(saw, /\$tt\.next/);
    assert.equal(await Deno.readTextFile(`${town.dir}/.tt/conductor_context.md`), saw);
    const inbox = await town.ok("inbox", "conductor", "--json");
    assert.match(inbox, /conductor was here/);
    const status = JSON.parse(await Deno.readTextFile(`${town.dir}/conductor_status.json`));
    assert.equal(status.town, "cond-town");
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});

Deno.test("conductor: --print-context shows agents when resuming; a missing CLI is one line", async () => {
  const town = await makeTestTown({ name: "cond-two" });
  try {
    const ctx = await town.ok("conductor", "--print-context");
    assert.match(ctx, /\(no agents spawned yet\)/);
    const json = JSON.parse(
      await town.ok("conductor", "--print-context", "--json", "--cli", "codex"),
    );
    assert.equal(json.program, "codex");
    assert.equal(json.cli, "codex");
    const bad = await town.tt("conductor", "--cli", "no-such-cli-xyz");
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    assert.match(bad.stderr, /^error: /);
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});

Deno.test("conductor: the briefing counts and lists Cold agents (they are agents)", async () => {
  const town = await makeTestTown({ name: "cond-cold" });
  try {
    await town.ok("spawn", "sleeper", "--cli", "true", "--role", "backend");
    await town.ok("close", "sleeper");
    const waited = await town.tt("wait", "sleeper", "--timeout", "60");
    assert.equal(waited.code, 0, waited.stderr);
    const list = JSON.parse(await town.ok("list", "--json"));
    assert.equal(list[0].state, "cold");
    const ctx = await town.ok("conductor", "--print-context");
    assert.match(ctx, /^- Agents: 1 \(0 active, 1 ended\)$/m);
    assert.match(ctx, /^ {2}- .*\(\w{4}\) - Cold, 0 message\(s\) pending$/m);
    assert.doesNotMatch(ctx, /no agents spawned yet/);
    assert.doesNotMatch(ctx, /## Fresh Start/);
    assert.match(ctx, /## Resuming Session/);
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});
