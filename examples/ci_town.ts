/**
 * A CI job written against the library (mod.ts): it sets up a throw-away town, registers a
 * scripted agent CLI (examples/scripted_agent.ts stands in for claude or codex), runs two
 * workers and a reviewer, gives the workers tasks, and asserts that every task was completed
 * and approved by the reviewer. Exit 0 when it was, 1 (with one line on stderr) when not.
 * The town, its Redis, its agents and a private TT_HOME live in a temp folder that is removed
 * at the end, pass or fail.
 *
 *   deno run --allow-all examples/ci_town.ts [--timeout-secs N]
 */
import { type AgentHandle, type Message, Town } from "../mod.ts";

const SCRIPTED_AGENT = new URL("./scripted_agent.ts", import.meta.url).pathname;

const WORK: ReadonlyArray<readonly [agent: string, task: string]> = [
  ["backend", "Add a /health endpoint to the API"],
  ["frontend", "Show the service health on the dashboard"],
];

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function timeoutMs(): number {
  const i = Deno.args.indexOf("--timeout-secs");
  const secs = i >= 0 ? Number(Deno.args[i + 1]) : 120;
  if (!Number.isFinite(secs) || secs <= 0) throw new Error("--timeout-secs needs a number > 0");
  return secs * 1000;
}

/** Waits for the reviewer's approvals, which it reports to the conductor's mailbox. */
async function approvals(town: Town, taskIds: string[], deadline: number): Promise<void> {
  const pending = new Set(taskIds);
  while (pending.size > 0) {
    const left = deadline - Date.now();
    const m: Message | null = left > 0 ? await town.channel.receive("conductor", left) : null;
    if (!m) throw new Error(`timed out waiting for approval of ${[...pending].join(", ")}`);
    if (m.body.type !== "informational") continue;
    const id = /approved task (\S+)/.exec(m.body.summary)?.[1];
    if (id && pending.delete(id)) console.log(`  approved: ${m.body.summary}`);
  }
}

async function run(root: string): Promise<void> {
  const command = [Deno.execPath(), "run", "--allow-all", "--quiet", SCRIPTED_AGENT]
    .map(shellQuote).join(" ") + " --work-ms 50";
  const town = await Town.init(`${root}/town`, "ci", {
    env: { TT_HOME: `${root}/home` }, // keep ~/.tt out of it
    agentClis: { scripted: command },
  });
  try {
    console.log(`town ${town.config.name} at ${town.root}`);
    const workers = new Map<string, AgentHandle>();
    for (const [name] of WORK) {
      workers.set(name, await town.spawnAgent(name, { cli: "scripted", role: "worker" }));
    }
    await town.spawnAgent("reviewer", { cli: "scripted", role: "reviewer" });

    const taskIds: string[] = [];
    for (const [name, description] of WORK) {
      const id = await workers.get(name)!.assign(description);
      taskIds.push(id);
      console.log(`  ${name} <- ${description} (${id})`);
    }

    await approvals(town, taskIds, Date.now() + timeoutMs());
    for (const id of taskIds) {
      const task = await town.channel.getTask(id);
      if (task?.state !== "completed") throw new Error(`task ${id} is ${task?.state ?? "missing"}`);
    }
    const done = (await town.listAgents()).reduce((n, a) => n + a.tasksCompleted, 0);
    if (done !== taskIds.length) throw new Error(`the agents report ${done} completed tasks`);
    console.log(`ok: ${taskIds.length} tasks completed and approved`);
  } finally {
    // Pass or fail: the agents, then the town's Redis (closing alone would leave them running).
    const stopped = await town.stop();
    console.log(`stopped ${stopped.agentsStopped.join(", ")} and the town's Redis`);
  }
}

if (import.meta.main) {
  const root = await Deno.makeTempDir({ prefix: "tt-ci-" });
  let code = 0;
  try {
    await run(root);
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    code = 1;
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
  Deno.exit(code);
}
