/**
 * Parallel `tt init` in one folder: exactly one wins. The others fail with one error line and
 * change nothing, so the town's file and the registry name the same town.
 */
import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { runTt, stopTownProcesses } from "./helpers/tt.ts";

const RACERS = 6;

Deno.test("parallel tt init in one folder: one wins, the file and the registry agree", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tt-init-race-" });
  const home = await Deno.makeTempDir({ prefix: "tt-home-" });
  try {
    const results = await Promise.all(
      Array.from(
        { length: RACERS },
        (_, i) =>
          runTt(["--town", dir, "init", "--name", `x${i}`, "--json"], { env: { TT_HOME: home } }),
      ),
    );
    const winners = results.map((r, i) => ({ r, i })).filter(({ r }) => r.code === 0);
    assert.equal(
      winners.length,
      1,
      `exactly one init succeeds:\n${results.map((r) => `${r.code} ${r.stderr}`).join("\n")}`,
    );
    const winner = `x${winners[0].i}`;
    assert.equal(JSON.parse(winners[0].r.stdout).name, winner);
    for (const r of results.filter((r) => r.code !== 0)) {
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^error: [^\n]*already exists[^\n]*\n$/);
      assert.equal(r.stdout, "");
    }
    const config = parse(await Deno.readTextFile(`${dir}/tinytown.toml`)) as { name: string };
    assert.equal(config.name, winner, "tinytown.toml names the winner");
    const registry = parse(await Deno.readTextFile(`${home}/towns.toml`)) as {
      towns: { path: string; name: string }[];
    };
    assert.deepEqual(registry.towns.map(({ path, name }) => ({ path, name })), [
      { path: await Deno.realPath(dir), name: winner },
    ]);
    const gitignore = await Deno.readTextFile(`${dir}/.gitignore`);
    assert.equal(gitignore.match(/^\.tt$/gm)?.length, 1, "one .tt line in .gitignore");
    const leftovers = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(leftovers, [".gitignore", ".tt", "tinytown.toml"], "no temp files left");
  } finally {
    await stopTownProcesses(dir);
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});
