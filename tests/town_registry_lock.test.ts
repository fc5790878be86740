/**
 * The towns registry is read, changed and replaced under a lock: parallel `tt init` in
 * different folders (one TT_HOME) all end up in it.
 */
import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { listRegisteredTowns, registerTown } from "../src/town/registry.ts";
import { runTt, stopTownProcesses } from "./helpers/tt.ts";

const TOWNS = 8;

Deno.test("8 parallel tt init in different folders: every town is registered", async () => {
  const home = await Deno.makeTempDir({ prefix: "tt-home-" });
  const dirs = await Promise.all(
    Array.from({ length: TOWNS }, () => Deno.makeTempDir({ prefix: "tt-reg-" })),
  );
  try {
    const results = await Promise.all(
      dirs.map((dir, i) =>
        runTt(["--town", dir, "init", "--name", `town${i}`], { env: { TT_HOME: home } })
      ),
    );
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    for (const r of results) assert.doesNotMatch(r.stdout, /warning/);
    const registry = parse(await Deno.readTextFile(`${home}/towns.toml`)) as {
      towns: { path: string; name: string }[];
    };
    const expected = await Promise.all(
      dirs.map(async (dir, i) => ({ path: await Deno.realPath(dir), name: `town${i}` })),
    );
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    const towns = registry.towns.map(({ path, name }) => ({ path, name }));
    assert.deepEqual(towns.toSorted(byName), expected.toSorted(byName));
  } finally {
    for (const dir of dirs) {
      await stopTownProcesses(dir);
      await Deno.remove(dir, { recursive: true });
    }
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("registerTown: 40 concurrent registrations in one process lose none", async () => {
  const home = await Deno.makeTempDir({ prefix: "tt-home-" });
  try {
    const env = { get: (k: string) => (k === "TT_HOME" ? home : undefined) };
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => registerTown(`${home}/t${i}`, `t${i}`, env)),
    );
    const names = (await listRegisteredTowns(env)).map((t) => t.name).sort();
    assert.deepEqual(names, Array.from({ length: 40 }, (_, i) => `t${i}`).sort());
    const files = [...Deno.readDirSync(home)].map((e) => e.name).sort();
    assert.deepEqual(files, ["towns.toml", "towns.toml.lock"], "no temp files left behind");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
