/**
 * Where an agent's files live: each agent has its own folder `.tt/agents/<name>/` (loop log,
 * round logs, prompts), built by one function that refuses a name that is not a valid agent
 * name, so no name (`redis`, `w1_round_1`, `../../escaped`) reaches another file.
 */
import assert from "node:assert/strict";
import { oneErrorLine } from "./helpers/tt.ts";
import { agentPaths, townPaths } from "../src/town/paths.ts";
import { chaosTown, readLines, shCli, waitFor } from "./fixtures/chaos_town.ts";
import { exists } from "./helpers/fs.ts";

Deno.test("agentPaths: one folder per agent under .tt/agents", () => {
  const p = agentPaths(townPaths("/srv/town"), "w1");
  assert.equal(p.dir, "/srv/town/.tt/agents/w1");
  assert.equal(p.loopLog, "/srv/town/.tt/agents/w1/loop.log");
  assert.equal(p.roundLog(3), "/srv/town/.tt/agents/w1/round-3.log");
  assert.equal(p.roundPrompt(3), "/srv/town/.tt/agents/w1/round-3.prompt");
  // Names that look like other files get their own folder too.
  assert.equal(
    agentPaths(townPaths("/srv/town"), "redis").loopLog,
    "/srv/town/.tt/agents/redis/loop.log",
  );
  assert.equal(
    agentPaths(townPaths("/srv/town"), "w1_round_1").roundLog(1),
    "/srv/town/.tt/agents/w1_round_1/round-1.log",
  );
});

Deno.test("agentPaths: refuses names that are not agent names, and bad round numbers", () => {
  const paths = townPaths("/srv/town");
  for (
    const bad of ["../../escaped", "a/b", "..", ".", "", " ", ".hidden", "-x", "a\nb", "conductor"]
  ) {
    assert.throws(() => agentPaths(paths, bad), /agent name/, JSON.stringify(bad));
  }
  const p = agentPaths(paths, "w1");
  for (const n of [0, -1, 1.5, NaN]) assert.throws(() => p.roundLog(n), /round number/);
});

Deno.test("agents named redis and w1_round_1 keep to their own folders", async () => {
  const town = await chaosTown({ name: "paths" });
  try {
    const record = `${town.dir}/handled.txt`;
    const cli = shCli("chaos_record.sh", record, "0");
    for (const name of ["redis", "w1", "w1_round_1"]) {
      await town.ok("spawn", name, "--cli", cli);
      await town.ok("send", name, `chaos-msg-${name.length}`);
    }
    await waitFor("three rounds", async () => (await readLines(record)).length === 3);
    const agents = `${town.dir}/.tt/agents`;
    for (const name of ["redis", "w1", "w1_round_1"]) {
      await waitFor(`${name}'s first round log`, async () => {
        const files = await names(`${agents}/${name}`);
        return files.includes("round-1.log") && files.includes("round-1.prompt") &&
          files.includes("loop.log");
      });
      const loop = await Deno.readTextFile(`${agents}/${name}/loop.log`);
      assert.match(loop, new RegExp(`Agent ${name} \\(`), `${name}'s loop log is its own`);
    }
    // tt's own logs stay alone in .tt/logs, and the server's log is the server's.
    assert.deepEqual(await names(`${town.dir}/.tt/logs`), ["redis.log"]);
    const redisLog = await Deno.readTextFile(`${town.dir}/.tt/logs/redis.log`);
    assert.doesNotMatch(redisLog, /Agent redis/);

    // Restarting w1 touches nothing of w1_round_1.
    const before = await Deno.readTextFile(`${agents}/w1_round_1/round-1.log`);
    await town.ok("kill", "w1");
    await town.ok("restart", "w1");
    assert.deepEqual(await names(`${agents}/w1_round_1`), [
      "loop.log",
      "round-1.log",
      "round-1.prompt",
    ]);
    assert.equal(await Deno.readTextFile(`${agents}/w1_round_1/round-1.log`), before);
  } finally {
    await town.done();
  }
});

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) out.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort();
}

/** Every path under `dir` except those in `.tt/` (and Redis' own files). */
async function filesOutsideTt(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    for await (const e of Deno.readDir(d)) {
      if (rel === "" && e.name === ".tt") continue;
      out.push(`${rel}${e.name}`);
      if (e.isDirectory) await walk(`${d}/${e.name}`, `${rel}${e.name}/`);
    }
  };
  await walk(dir, "");
  return out.sort();
}

Deno.test("a name read back from Redis never becomes a path: restore, records, migrate", async () => {
  const town = await chaosTown({ name: "escape" });
  try {
    const cli = shCli("chaos_record.sh", "/dev/null", "0");
    const w1 = JSON.parse(await town.ok("spawn", "w1", "--cli", cli, "--json"));
    await town.ok("kill", "w1");
    await town.ok("save");

    // tt-state.json edited to rename the agent: restore refuses the file, changing nothing.
    const stateFile = `${town.dir}/tt-state.json`;
    const state = JSON.parse(await Deno.readTextFile(stateFile));
    state.keys[`tt:escape:agent:${w1.id}`].value.name = "../../escaped";
    await Deno.writeTextFile(stateFile, JSON.stringify(state));
    const restore = oneErrorLine(await town.tt("restore", "--force"), { code: "failure" });
    assert.match(restore, /agent name "\.\.\/\.\.\/escaped" contains a path separator/);
    assert.equal((await town.store.agents.get(w1.id))?.name, "w1", "the town is unchanged");

    // A record another tool wrote with that name: restart refuses it before touching anything.
    const before = await filesOutsideTt(town.dir);
    const agentsBefore = await names(`${town.dir}/.tt/agents`);
    await town.redis.hset(town.store.keys.agent(w1.id), { name: "../../escaped" });
    const restart = oneErrorLine(await town.tt("restart", "../../escaped"), { code: "failure" });
    assert.match(restart, /has a name tt cannot use: agent name "\.\.\/\.\.\/escaped"/);
    assert.equal((await town.store.agents.get(w1.id))?.state, "stopped", "still stopped");
    // Reading it for status and recover is fine, and creates no file either.
    await town.ok("status", "--deep");
    await town.ok("recover");
    assert.deepEqual(await filesOutsideTt(town.dir), before);
    assert.deepEqual(await names(`${town.dir}/.tt/agents`), agentsBefore);
    assert.equal(await exists(`${town.dir}/escaped.log`), false);
    assert.equal(await exists(`${town.dir}/escaped`), false);

    // tinytown data with such names: migrate leaves them out of the index and says why.
    const json = JSON.parse(await town.ok("list", "--json"))[0];
    const legacyId = "7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11";
    const hashId = "550e8400-e29b-41d4-a716-446655440000";
    await town.redis.set(
      `tt:agent:${legacyId}`,
      JSON.stringify({ ...json, id: legacyId, name: "../up", nickname: null, role_id: null }),
    );
    await town.redis.hset(town.store.keys.agent(hashId), {
      id: hashId,
      name: "a/b",
      state: "idle",
      cli: "claude",
    });
    const migrated = JSON.parse(await town.ok("migrate", "--json"));
    const failed = new Map(
      migrated.failed.map((f: { key: string; reason: string }) => [f.key, f.reason]),
    );
    assert.match(String(failed.get(`tt:escape:agent:${legacyId}`)), /agent name "\.\.\/up"/);
    assert.match(String(failed.get(`tt:escape:agent:${hashId}`)), /not indexed: agent name "a\/b"/);
    const listed = JSON.parse(await town.ok("list", "--json")).map((a: { id: string }) => a.id);
    assert.deepEqual(listed, [w1.id]);
  } finally {
    await town.done();
  }
});
