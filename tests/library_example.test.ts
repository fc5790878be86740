/**
 * The README's CI script (examples/ci_town.ts) runs as a CI job would: a subprocess that sets
 * up a town through the library, runs scripted agents, asserts on the result and cleans up.
 */
import assert from "node:assert/strict";

const SCRIPT = new URL("../examples/ci_town.ts", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

async function runScript(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", SCRIPT, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Processes whose command line mentions `path` (agent loops run with `--town <path>`). */
function processesUsing(path: string): number[] {
  const found: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    const pid = Number(e.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes(path)) found.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function townPath(stdout: string): string {
  const m = /^town ci at (\S+)$/m.exec(stdout);
  assert.ok(m, `no town line in:\n${stdout}`);
  return m[1];
}

Deno.test("the CI example sets up a town, runs its agents, asserts the result, cleans up", async () => {
  const r = await runScript("--timeout-secs", "120");
  assert.equal(r.code, 0, r.stderr || r.stdout);
  assert.match(r.stdout, /ok: 2 tasks completed and approved/);
  assert.equal((r.stdout.match(/^ {2}approved: reviewer approved task /gm) ?? []).length, 2);
  assert.match(r.stdout, /stopped backend, frontend, reviewer and the town's Redis/);
  const town = townPath(r.stdout);
  await assert.rejects(() => Deno.stat(town), Deno.errors.NotFound);
  assert.deepEqual(processesUsing(town), []);
});

Deno.test("the CI example fails with one line when the agents miss its deadline, and still cleans up", async () => {
  const r = await runScript("--timeout-secs", "0.01");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: timed out waiting for approval of /);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  const town = townPath(r.stdout);
  await assert.rejects(() => Deno.stat(town), Deno.errors.NotFound);
  assert.deepEqual(processesUsing(town), []);
});
