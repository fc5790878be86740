/**
 * `tt conductor`: the briefing, the CLI it runs (with the terminal's stdio, so those tests run
 * tt as a subprocess) and `--print-context` (in process).
 */
import assert from "node:assert/strict";
import { parse, stringify } from "smol-toml";
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
  const town = await makeTestTown({ name: "cond-two", inProcess: true });
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

const ARGV_PROBE = new URL("./fixtures/conductor_argv.sh", import.meta.url).pathname;

/** Gives `[agent_clis.<name>]` a command, workdir and env (a TOML table appended). */
async function setConductorCli(
  dir: string,
  name: string,
  command: string,
  extra: { workdir: string; env: Record<string, string> },
): Promise<void> {
  const file = `${dir}/tinytown.toml`;
  const doc = parse(await Deno.readTextFile(file)) as {
    agent_clis: Record<string, unknown>;
    conductor_cli?: string;
  };
  doc.conductor_cli = name;
  doc.agent_clis[name] = { name, command, ...extra };
  await Deno.writeTextFile(file, stringify(doc) + "\n");
}

Deno.test("conductor: a custom CLI runs in its [agent_clis] workdir with its env, briefing on stdin", async () => {
  const town = await makeTestTown({ name: "cond-wd" });
  try {
    await Deno.mkdir(`${town.dir}/work/here`, { recursive: true });
    await setConductorCli(town.dir, "scripted", `sh ${FIXTURE}`, {
      workdir: "work/here",
      env: { TT_COND_VAR: "from the table" },
    });
    const r = await town.tt("conductor");
    assert.equal(r.code, 0, r.stderr);
    const root = await Deno.realPath(town.dir);
    assert.equal(
      (await Deno.readTextFile(`${town.dir}/conductor_cwd.txt`)).trim(),
      `${root}/work/here`,
    );
    assert.equal(await Deno.readTextFile(`${town.dir}/conductor_var.txt`), "from the table");
    assert.match(await Deno.readTextFile(`${town.dir}/conductor_saw.md`), /^# Tinytown Conductor/);
    // tt called from the workdir still acts on this town.
    assert.match(await town.ok("inbox", "conductor", "--json"), /conductor was here/);

    await setConductorCli(town.dir, "scripted", `sh ${FIXTURE}`, {
      workdir: "no/such/dir",
      env: {},
    });
    const bad = await town.tt("conductor");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: .*workdir .*no\/such\/dir is not a directory/);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});

Deno.test("conductor: a preset CLI never gets the briefing on argv; it is named in a 0600 file", async () => {
  const town = await makeTestTown({ name: "cond-argv" });
  try {
    await Deno.mkdir(`${town.dir}/sub`);
    // The claude preset's table, pointing at a stand-in that records what it was given.
    await setConductorCli(
      town.dir,
      "claude",
      `${ARGV_PROBE} --print --dangerously-skip-permissions`,
      {
        workdir: "sub",
        env: { TT_COND_VAR: "claude var" },
      },
    );
    const r = await town.tt("conductor");
    assert.equal(r.code, 0, r.stderr);
    const argv = await Deno.readTextFile(`${town.dir}/conductor_argv.txt`);
    const file = `${await Deno.realPath(town.dir)}/.tt/conductor_context.md`;
    assert.doesNotMatch(argv, /Tinytown Conductor|Current Town State|tt spawn/);
    assert.ok(argv.includes(file), argv);
    assert.doesNotMatch(argv, /--print/, "interactive: not the preset's print mode");
    const briefing = await Deno.readTextFile(file);
    assert.match(briefing, /^# Tinytown Conductor/);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    assert.equal(
      (await Deno.readTextFile(`${town.dir}/conductor_cwd.txt`)).trim(),
      `${await Deno.realPath(town.dir)}/sub`,
    );
    assert.equal(await Deno.readTextFile(`${town.dir}/conductor_var.txt`), "claude var");

    const json = JSON.parse(await town.ok("conductor", "--print-context", "--json"));
    assert.equal(json.program, ARGV_PROBE);
    assert.ok(!json.args.some((a: string) => a.includes("# Tinytown Conductor")), json.args);
    assert.equal(json.workdir, `${await Deno.realPath(town.dir)}/sub`);
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});
