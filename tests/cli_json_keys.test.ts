/**
 * Every `--json` output uses snake_case keys (as tinytown's serde forms do). Runs most
 * commands on a town with agents, tasks, messages, a backlog and a saved state, and walks the
 * JSON each prints. Keys that are data (agent CLI names in `agent_clis`) are not checked.
 */
import assert from "node:assert/strict";
import { makeTestTown, type TestTown } from "./helpers/tt.ts";

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
/** Objects whose keys are names the user chose, not field names. */
const DATA_KEYED = new Set(["agent_clis", "env"]);

function badKeys(value: unknown, path: string, out: string[]): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => badKeys(v, `${path}[${i}]`, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (!SNAKE.test(k)) out.push(`${path}.${k}`);
      if (!DATA_KEYED.has(k)) badKeys(v, `${path}.${k}`, out);
    }
  }
  return out;
}

async function json(town: TestTown, ...args: string[]): Promise<unknown> {
  const r = await town.tt(...args, "--json");
  assert.equal(r.code, 0, `tt ${args.join(" ")} --json: ${r.stderr}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    // `tt events` prints one JSON document per line.
    return r.stdout.trim().split("\n").map((line) => JSON.parse(line));
  }
}

Deno.test("every key of every --json output is snake_case", async () => {
  const town = await makeTestTown({ init: false });
  const outputs: [string, unknown][] = [];
  const run = async (...args: string[]) => {
    const value = await json(town, ...args);
    outputs.push([args.join(" "), value]);
    return value as Record<string, unknown>;
  };
  try {
    await run("init", "--name", "keys");
    await run("start");
    const spawned = await run("spawn", "worker", "--cli", "true", "--role", "backend");
    const task = await run("assign", "worker", "write the parser");
    await run("send", "worker", "a query", "--query");
    await run("send", "conductor", "for the conductor", "--info");
    const backlog = await run("backlog", "add", "spare work", "--tags", "backend");
    await run("backlog", "add", "more work");
    await Promise.all([
      run("status", "--deep", "--tasks"),
      run("list"),
      run("inbox", "worker"),
      run("inbox", "--all"),
      run("inbox", "--dead"),
      run("tasks"),
      run("task", "list"),
      run("task", "show", String(task.task_id)),
      run("history"),
      run("events"),
      run("backlog", "list"),
      run("backlog", "list", "--for", "worker"),
      run("towns"),
      run("config"),
      run("conductor", "--print-context"),
      run("reclaim"),
      run("reclaim", "--orphan-tasks"),
      run("migrate", "--dry-run"),
      run("reset"),
    ]);
    await run("backlog", "claim", String(backlog.id), "worker");
    await run("task", "complete", String(task.task_id), "--result", "done");
    await run("interrupt", "worker");
    await run("resume", "worker");
    await run("kill", "worker");
    await run("wait", "worker", "--timeout", "60");
    await run("recover");
    await run("restart", "worker", "--rounds", "1");
    await run("close", String(spawned.name));
    await run("wait", "worker", "--timeout", "60");
    await run("plan", "--init");
    await run("plan");
    await run("sync", "push");
    await run("sync", "pull");
    await run("save");
    await run("restore", "--force");
    await run("migrate");
    await run("backlog", "assign-all", "worker");
    await run("prune", "--all");
    await run("reset", "--force", "--agents-only");
    await run("config", "default_cli");
    await run("stop");

    const bad = outputs.flatMap(([cmd, value]) => badKeys(value, `tt ${cmd}`, []));
    assert.deepEqual(bad, [], "keys that are not snake_case");
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});
