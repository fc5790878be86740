/**
 * The spawn limit under a race: 20 `tt spawn` processes at once against `max_agents = 10`.
 * Exactly 10 must succeed (the limit check and the registration are one Lua script), the
 * others must fail with the limit message, and the town must hold exactly 10 agents, each
 * with a running loop.
 */
import assert from "node:assert/strict";
import { chaosTown, processAlive, shCli } from "./fixtures/chaos_town.ts";

Deno.test("chaos: 20 parallel tt spawn with max_agents = 10 make exactly 10 agents", async () => {
  const town = await chaosTown({ config: { max_agents: 10 } });
  try {
    const cli = shCli("chaos_record.sh", "/dev/null");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => town.tt("spawn", `w${i}`, "--cli", cli, "--json")),
    );
    const ok = results.filter((r) => r.code === 0);
    const refused = results.filter((r) => r.code !== 0);
    assert.equal(ok.length, 10, results.map((r) => r.stderr).join("\n"));
    for (const r of refused) {
      assert.equal(r.code, 1);
      assert.match(r.stderr, /max_agents limit is 10/);
    }
    const agents = JSON.parse(await town.ok("list", "--json")) as { name: string; pid: number }[];
    assert.equal(agents.length, 10);
    const spawned = ok.map((r) => JSON.parse(r.stdout).name).sort();
    assert.deepEqual(agents.map((a) => a.name).sort(), spawned);
    assert.ok(agents.every((a) => processAlive(a.pid)), "every admitted agent has a live loop");
  } finally {
    await town.done();
  }
});

Deno.test("chaos: 10 parallel spawns of one name give exactly one live agent", async () => {
  const { makeTestTown } = await import("./helpers/tt.ts");
  const town = await makeTestTown({ name: "samename" });
  try {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => town.tt("spawn", "twin", "--cli", "true")),
    );
    const ok = results.filter((r) => r.code === 0).length;
    assert.equal(ok, 1, results.map((r) => r.stderr).join(""));
    for (const r of results.filter((r) => r.code !== 0)) {
      assert.match(r.stderr, /^error: an agent named 'twin' is already running/);
    }
    const agents = JSON.parse(await town.ok("list", "--json"));
    assert.equal(agents.length, 1);
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});
