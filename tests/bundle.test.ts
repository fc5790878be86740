/**
 * The bundled build (scripts/bundle.ts) is a working tt: built from this checkout into a temp
 * folder, it runs the fast commands and the full parser, starts a real agent loop that runs
 * from the bundle too, and that loop's agent completes its task through the town's `tt`
 * shim, which also runs the bundle (with --no-config).
 */
import assert from "node:assert/strict";
import { buildBundle, installBundle } from "../scripts/bundle.ts";
import { BUNDLE_COMMAND_FLAGS } from "../src/bundled.ts";
import { VERSION } from "../src/version.ts";
import { stopTownProcesses } from "./helpers/tt.ts";
import { waitFor } from "./helpers/kit.ts";

const FIXTURE = new URL("./fixtures/chaos_complete.sh", import.meta.url).pathname;
const dec = new TextDecoder();

Deno.test("the bundled tt runs commands, a real loop, and the agent's tt shim", async () => {
  const out = await Deno.makeTempDir({ prefix: "tt-bundle-" });
  const dir = await Deno.makeTempDir({ prefix: "tt-bundle-town-" });
  const home = await Deno.makeTempDir({ prefix: "tt-bundle-home-" });
  try {
    const built = await buildBundle(`${out}/bundle`);
    assert.ok(built.files > 1, "code splitting makes chunks");
    for await (const f of Deno.readDir(built.dir)) {
      const text = await Deno.readTextFile(`${built.dir}/${f.name}`);
      assert.doesNotMatch(text, /import\("\.\//, `${f.name}: no literal chunk import is left`);
    }
    const tt = async (...args: string[]) => {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", ...BUNDLE_COMMAND_FLAGS, built.main, ...args],
        env: { TT_HOME: home, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
    };
    const ok = async (...args: string[]) => {
      const r = await tt("--town", dir, ...args);
      assert.equal(r.code, 0, `tt ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };

    assert.equal((await tt("--version")).stdout, `tt ${VERSION}\n`);
    const shimPath = await installBundle(built.main, `${out}/root`);
    assert.equal(shimPath, `${out}/root/bin/tt`);
    const viaShim = await new Deno.Command(shimPath, { args: ["--version"], stdout: "piped" })
      .output();
    assert.equal(dec.decode(viaShim.stdout), `tt ${VERSION}\n`, "the installed tt runs");
    const unknown = await tt("bogus");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^error: unknown command 'bogus'/);

    await ok("init", "--name", "bundled");
    const spawned = JSON.parse(await ok("spawn", "w1", "--cli", `sh ${FIXTURE}`, "--json"));
    const loopCmd = await Deno.readTextFile(`/proc/${spawned.pid}/cmdline`).catch(() => "");
    if (loopCmd) assert.ok(loopCmd.includes(built.main), `the loop runs the bundle: ${loopCmd}`);
    const { task_id } = JSON.parse(await ok("assign", "w1", "a job for the bundle", "--json"));
    await waitFor("the task to be completed by the agent", async () => {
      const task = JSON.parse(await ok("task", "show", task_id, "--json"));
      return task.state === "completed";
    }, 30_000);
    const shim = await Deno.readTextFile(`${dir}/.tt/bin/tt`);
    assert.ok(shim.includes(built.main) && shim.includes("--no-config"), shim);
    const status = JSON.parse(await ok("status", "--json"));
    assert.equal(status.agents.length, 1);
    await ok("kill", "w1");
  } finally {
    await stopWithSource(dir, home);
    await stopTownProcesses(dir);
    for (const d of [out, dir, home]) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
});

/** `tt stop` from source: ends the loop and the town's Redis whatever the test reached. */
async function stopWithSource(dir: string, home: string): Promise<void> {
  const main = new URL("../main.ts", import.meta.url).pathname;
  await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", main, "--town", dir, "stop"],
    env: { TT_HOME: home },
    stdout: "null",
    stderr: "null",
  }).output().catch(() => {});
}
