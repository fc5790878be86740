/**
 * `tt stop` after the town's redis-server died: the agent loops still run on this machine
 * (retrying Redis), so stop must still end them instead of reporting "No running agents".
 */
import assert from "node:assert/strict";
import { isAlive } from "../src/process.ts";
import { waitFor } from "./helpers/kit.ts";
import { makeTestTown } from "./helpers/tt.ts";

/** The loop and redis-server are processes of their own: give them longer than the default. */
const until = (what: string, check: () => boolean | Promise<boolean>) =>
  waitFor(what, check, 15_000);

Deno.test("tt stop ends the agent loops of a town whose redis-server was killed", async () => {
  const town = await makeTestTown({ name: "crash" });
  let loopPid = 0;
  try {
    const spawned = JSON.parse(await town.ok("spawn", "worker", "--cli", "true", "--json"));
    loopPid = spawned.pid;
    assert.ok(loopPid > 0 && isAlive(loopPid));
    await until("the loop to go idle", async () => {
      const agents = JSON.parse(await town.ok("list", "--json")) as { state: string }[];
      return agents[0]?.state === "idle";
    });
    const redisPid = Number((await Deno.readTextFile(`${town.dir}/.tt/redis.pid`)).trim());
    Deno.kill(redisPid, "SIGKILL");
    await until("redis-server to die", () => !isAlive(redisPid));

    const r = await town.tt("stop", "--json");
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.deepEqual(result.agents_stopped, ["worker"]);
    await until("the agent loop to exit", () => !isAlive(loopPid));
  } finally {
    if (loopPid && isAlive(loopPid)) Deno.kill(loopPid, "SIGKILL");
    await town.cleanup();
  }
});
