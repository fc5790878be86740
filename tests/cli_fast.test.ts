/**
 * The fast parser (src/cli/fast/) for the commands agents run in every round: it declares them
 * as commander does, parses every line it accepts as commander would, leaves the rest to
 * commander, and its path loads neither commander nor a Node built-in.
 */
import assert from "node:assert/strict";
import type { Command } from "commander";
import { buildProgram } from "../src/cli/app.ts";
import { FAST_COMMANDS } from "../src/cli/fast/commands.ts";
import { parseFastLine } from "../src/cli/fast/parse.ts";
import { LAZY_MODULES } from "../src/lazy.ts";

const ROOT = new URL("../", import.meta.url);

async function commanderCommand(path: readonly string[]): Promise<Command> {
  let cmd = await buildProgram([...path]);
  for (const word of path) {
    const next = cmd.commands.find((c) => c.name() === word);
    assert.ok(next, `commander defines ${path.join(" ")}`);
    cmd = next;
  }
  return cmd;
}

Deno.test("each fast command has commander's arguments and options", async () => {
  for (const fast of FAST_COMMANDS) {
    const cmd = await commanderCommand(fast.path);
    const what = `tt ${fast.path.join(" ")}`;
    assert.deepEqual(
      cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)),
      fast.args,
      `${what}: arguments`,
    );
    assert.ok(cmd.registeredArguments.every((a) => !a.variadic), `${what}: none variadic`);
    assert.deepEqual(cmd.options.map((o) => o.flags), fast.options.map((o) => o.flags), what);
    for (const option of cmd.options) {
      const mine = fast.options.find((o) => o.flags === option.flags);
      // Not in commander's typings, but what it checks conflicts against.
      const conflicts = (option as unknown as { conflictsWith: string[] }).conflictsWith;
      assert.deepEqual(conflicts, [...(mine?.conflicts ?? [])], option.flags);
      // The fast parser passes values through as they are: no parsers, defaults or env.
      assert.equal(option.parseArg, undefined, `${what} ${option.flags}: no value parser`);
      assert.equal(option.defaultValue, undefined, `${what} ${option.flags}: no default`);
      assert.equal(option.envVar, undefined, `${what} ${option.flags}: no env`);
      assert.ok(!option.negate && !option.variadic && !option.optional, option.flags);
    }
    assert.equal(cmd.commands.length, 0, `${what} has no subcommands`);
  }
});

interface Parsed {
  path: string[];
  args: (string | undefined)[];
  opts: Record<string, unknown>;
  globals: Record<string, unknown>;
}

/** What commander makes of `argv`: the command, its arguments and options (action not run). */
async function commanderParse(argv: string[]): Promise<Parsed | "error"> {
  const program = await buildProgram(argv);
  let parsed: Parsed | undefined;
  const stop = new Error("parsed");
  program.hook("preAction", (_top, action) => {
    const path: string[] = [];
    for (let c: Command | null = action; c && c !== program; c = c.parent) path.unshift(c.name());
    parsed = { path, args: action.processedArgs, opts: action.opts(), globals: program.opts() };
    throw stop;
  });
  program.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err !== stop) return "error";
  }
  return parsed ?? "error";
}

function fastParse(argv: string[]): Parsed | undefined {
  const line = parseFastLine(argv, FAST_COMMANDS);
  if (!line) return undefined;
  const clean = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return {
    path: [...line.command.path],
    args: line.args,
    opts: clean(line.opts),
    globals: clean(line.globals),
  };
}

const ACCEPTED: string[][] = [
  ["send", "bob", "hello"],
  ["-t", "/town", "send", "bob", "hello", "--urgent", "--from", "alice"],
  ["send", "bob", "hello", "--json", "-t", "/town", "-v"],
  ["send", "--query", "bob", "what now?"],
  ["send", "bob", "-", "--from=carol"],
  ["send", "bob", "--", "--urgent"],
  ["send", "bob", "-5"],
  ["--town=/town", "inbox"],
  ["inbox", "-a", "--json"],
  ["inbox", "bob", "--dead"],
  ["assign", "bob", "fix the build", "--json"],
  ["task", "complete", "abcd1234", "--result", "done: all tests pass"],
  ["task", "complete", "abcd1234", "-r", "--json"],
  ["-v", "task", "fail", "abcd1234", "-r", "broke", "-r", "broke twice"],
  ["task", "current"],
  ["task", "current", "bob", "--json"],
  ["status"],
  ["status", "--deep", "--tasks", "--json"],
  ["-t", "", "status"],
  ["start", "--json"],
];

const REFUSED: string[][] = [
  ["send", "bob"],
  ["send", "bob", "a", "b"],
  ["send", "bob", "hi", "--bogus"],
  ["send", "bob", "hi", "--query", "--ack"],
  ["send", "bob", "hi", "--from"],
  ["send", "--help"],
  ["send", "bob", "hi", "-h"],
  ["-vt", "/town", "status"],
  ["inbox", "-ab"],
  ["status", "extra"],
  ["task"],
  ["task", "show", "abcd"],
  ["task", "--json", "current"],
  ["tasks"],
  ["help", "send"],
  ["-t"],
  ["--version", "status"],
  [],
];

Deno.test("the fast parser reads every line it accepts as commander does", async () => {
  for (const argv of ACCEPTED) {
    const fast = fastParse(argv);
    assert.ok(fast, `accepted: ${JSON.stringify(argv)}`);
    assert.deepEqual(fast, await commanderParse(argv), JSON.stringify(argv));
  }
});

Deno.test("the fast parser leaves help, errors and other commands to commander", () => {
  for (const argv of REFUSED) {
    assert.equal(fastParse(argv), undefined, JSON.stringify(argv));
  }
});

interface Info {
  roots: string[];
  redirects?: Record<string, string>;
  modules: {
    specifier: string;
    dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
  }[];
}

/** The modules `entry` loads: its static imports, and with `dynamic` its literal import()s. */
async function moduleGraph(entry: string, dynamic: boolean): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as Info;
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const redirect = (s: string) => info.redirects?.[s] ?? s;
  const seen = new Set<string>();
  const todo = [redirect(info.roots[0])];
  while (todo.length) {
    const s = todo.pop() as string;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const dep of bySpecifier.get(s)?.dependencies ?? []) {
      if (dep.code && (dynamic || !dep.isDynamic)) todo.push(redirect(dep.code.specifier));
    }
  }
  return [...seen];
}

function foreign(modules: string[]): string[] {
  return modules.filter((s) => s.startsWith("node:") || s.includes("commander"));
}

Deno.test("main.ts loads neither commander nor a Node built-in before a command runs", async () => {
  const graph = await moduleGraph("main.ts", true);
  assert.deepEqual(graph.filter((s) => !s.startsWith("file:")), []);
  assert.ok(graph.some((s) => s.endsWith("/src/cli/fast/parse.ts")), "the fast parser is in");
});

Deno.test("the groups of the fast commands load neither commander nor a Node built-in", async () => {
  const groups = new Set<string>();
  const source = await Deno.readTextFile(new URL("src/cli/fast/commands.ts", ROOT));
  for (const m of source.matchAll(/lazyImport<[^>]*>\("(src\/cli\/[a-z_]+\.ts)"/g)) {
    groups.add(m[1]);
  }
  assert.ok(groups.size >= 4, `found the groups: ${[...groups]}`);
  for (const group of groups) {
    assert.ok((LAZY_MODULES as readonly string[]).includes(group), `${group} is in LAZY_MODULES`);
    assert.deepEqual(foreign(await moduleGraph(group, false)), [], group);
  }
});
