/**
 * `deno task demo`: tt end to end, offline. A throw-away town gets three agents driven by a
 * scripted agent CLI (examples/scripted_agent.ts) instead of an AI: two workers complete the
 * tasks assigned to them and ask the reviewer for a review, the reviewer approves. Everything
 * goes through the real `tt` command and real agent-loop processes, the same paths a claude or
 * codex agent takes; only the "thinking" is scripted.
 *
 * The town and a private TT_HOME live in a temp folder that is removed at the end (also after a
 * failure or Ctrl+C), so ~/.tt is never touched. Exit 0 on success, 1 on failure, 130 on Ctrl+C.
 */
import { fileURLToPath } from "node:url";
import { sleep } from "../src/sleep.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const SCRIPTED_AGENT = fileURLToPath(new URL("./scripted_agent.ts", import.meta.url));
const DEADLINE_MS = 60_000;
const POLL_MS = 300;

const WORK: ReadonlyArray<readonly [agent: string, task: string]> = [
  ["backend", "Add a /health endpoint to the API"],
  ["frontend", "Show the service health on the dashboard"],
];

interface Demo {
  town: string;
  home: string;
  signal: AbortSignal;
}

interface TtResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real tt (this checkout's main.ts) against the demo town. */
async function tt(demo: Demo, ...args: string[]): Promise<TtResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, "--town", demo.town, ...args],
    env: { TT_HOME: demo.home, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs tt and fails the demo unless it exits 0; returns its stdout. */
async function ttOk(demo: Demo, ...args: string[]): Promise<string> {
  if (demo.signal.aborted) throw new Interrupted();
  const r = await tt(demo, ...args);
  if (r.code !== 0) {
    throw new Error(`'tt ${args.join(" ")}' exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

class Interrupted extends Error {
  constructor() {
    super("interrupted");
  }
}

function heading(title: string): void {
  console.log(`\n=== ${title} ===`);
}

function indent(text: string): string {
  return text.trimEnd().split("\n").map((l) => `  ${l}`).join("\n");
}

/** Quotes one word for the POSIX-style command line of an `[agent_clis]` entry. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Adds `[agent_clis.scripted]` to the town's tinytown.toml; returns the command line. */
async function configureScriptedCli(town: string): Promise<string> {
  // --work-ms: how long the scripted agent "works" on a task, so the progress is visible.
  const command = [Deno.execPath(), "run", "--allow-all", "--quiet", SCRIPTED_AGENT]
    .map(shellQuote).join(" ") + " --work-ms 800";
  // JSON string syntax is valid TOML basic-string syntax for this text.
  const table = `\n[agent_clis.scripted]\nname = "scripted"\ncommand = ${
    JSON.stringify(command)
  }\n`;
  await Deno.writeTextFile(`${town}/tinytown.toml`, table, { append: true });
  return table.trim();
}

interface StatusJson {
  agents: { name: string; state: string; rounds_completed: number }[];
  tasks: { by_state: Record<string, number> };
}

interface InboxJson {
  previews: { type: string; text: string }[];
}

interface Progress {
  line: string;
  done: number;
  approved: number;
}

async function progress(demo: Demo, taskIds: string[]): Promise<Progress> {
  const status = JSON.parse(await ttOk(demo, "status", "--json")) as StatusJson;
  const conductor = JSON.parse(await ttOk(demo, "inbox", "conductor", "--json")) as InboxJson;
  const approvals = conductor.previews.filter((p) => p.type === "informational").map((p) => p.text);
  const approved = taskIds.filter((id) => approvals.some((t) => t.includes(`approved task ${id}`)));
  const done = status.tasks.by_state.completed ?? 0;
  const agents = status.agents.map((a) =>
    `${a.name} ${a.state} (${a.rounds_completed} round${a.rounds_completed === 1 ? "" : "s"})`
  );
  const line = `${
    agents.join(" · ")
  } | tasks done ${done}/${taskIds.length} | approved ${approved.length}/${taskIds.length}`;
  return { line, done, approved: approved.length };
}

/** Prints a line whenever the town changes, until every task is done and approved. */
async function watch(demo: Demo, taskIds: string[]): Promise<Progress> {
  const started = Date.now();
  let last = "";
  for (;;) {
    const p = await progress(demo, taskIds);
    const elapsed = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
    if (p.line !== last) console.log(`  +${elapsed}s  ${p.line}`);
    last = p.line;
    if (p.done >= taskIds.length && p.approved >= taskIds.length) return p;
    if (Date.now() - started > DEADLINE_MS) {
      throw new Error(
        `timed out after ${DEADLINE_MS / 1000}s waiting for the agents (last: ${p.line}); ` +
          `see the agents' logs in ${demo.town}/.tt/agents`,
      );
    }
    await sleep(POLL_MS, demo.signal);
    if (demo.signal.aborted) throw new Interrupted();
  }
}

async function printRoundLogs(demo: Demo): Promise<void> {
  // Each agent has its own folder: .tt/agents/<name>/round-<n>.log
  const logs: string[] = [];
  const agents = `${demo.town}/.tt/agents`;
  for await (const dir of Deno.readDir(agents)) {
    if (!dir.isDirectory) continue;
    for await (const e of Deno.readDir(`${agents}/${dir.name}`)) {
      if (e.isFile && /^round-\d+\.log$/.test(e.name)) logs.push(`${dir.name}/${e.name}`);
    }
  }
  for (const name of logs.sort()) {
    console.log(`--- ${name} ---`);
    console.log(indent(await Deno.readTextFile(`${agents}/${name}`)));
  }
}

async function run(demo: Demo): Promise<void> {
  heading("1. Create a town (its own Redis, in a temp folder)");
  console.log(indent(await ttOk(demo, "init", "--name", "demo")));

  heading("2. Register the scripted agent CLI in tinytown.toml");
  console.log(indent(await configureScriptedCli(demo.town)));

  heading("3. Spawn three agents");
  for (const name of ["backend", "frontend"]) {
    console.log(indent(await ttOk(demo, "spawn", name, "--cli", "scripted", "--role", "worker")));
  }
  console.log(
    indent(await ttOk(demo, "spawn", "reviewer", "--cli", "scripted", "--role", "reviewer")),
  );

  heading("4. Assign work");
  const taskIds: string[] = [];
  for (const [agent, task] of WORK) {
    const r = JSON.parse(await ttOk(demo, "assign", agent, task, "--json")) as { task_id: string };
    taskIds.push(r.task_id);
    console.log(`  ${agent} <- "${task}" (task ${r.task_id})`);
  }

  heading("5. Watch the agents (tt status --json every 300 ms)");
  await watch(demo, taskIds);
  console.log(
    `  ✔ ${taskIds.length}/${taskIds.length} tasks completed, ` +
      `${taskIds.length}/${taskIds.length} approved by the reviewer`,
  );

  heading("6. What the scripted agents ran (round logs)");
  await printRoundLogs(demo);

  heading("7. tt status");
  console.log(indent(await ttOk(demo, "status", "--tasks")));

  const history = await tt(demo, "history");
  if (history.code === 0) {
    heading("8. tt history");
    console.log(indent(history.stdout));
  }
}

async function main(): Promise<number> {
  const root = await Deno.makeTempDir({ prefix: "tt-demo-" });
  const abort = new AbortController();
  const demo: Demo = { town: `${root}/town`, home: `${root}/home`, signal: abort.signal };
  await Deno.mkdir(demo.town);
  await Deno.mkdir(demo.home);
  const onSigint = () => abort.abort();
  Deno.addSignalListener("SIGINT", onSigint);
  let code = 0;
  try {
    console.log(`tt demo: a town with three scripted agents in ${demo.town}`);
    await run(demo);
    heading("Demo finished: all tasks completed and approved");
  } catch (err) {
    code = err instanceof Interrupted || abort.signal.aborted ? 130 : 1;
    const msg = err instanceof Error ? err.message : String(err);
    console.error(code === 130 ? "\nInterrupted; cleaning up." : `\nDemo failed: ${msg}`);
  } finally {
    heading("Clean up (tt stop, remove the temp folder)");
    const stop = await tt(demo, "stop").catch((e) => ({ code: 1, stdout: "", stderr: String(e) }));
    console.log(indent(stop.stdout || stop.stderr));
    await Deno.remove(root, { recursive: true }).catch(() => {});
    Deno.removeSignalListener("SIGINT", onSigint);
  }
  return code;
}

if (import.meta.main) Deno.exit(await main());
