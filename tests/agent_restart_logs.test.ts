/**
 * `tt restart` keeps the evidence: round logs and prompts of earlier runs stay (a restarted
 * loop's rounds take the next free numbers), and the loop log is appended to after a header
 * line, never truncated. `tt recover` still reads the latest run's end from it.
 */
import assert from "node:assert/strict";
import { chaosTown, crash, fixture, processAlive, waitFor } from "./fixtures/chaos_town.ts";

const read = (path: string) => Deno.readTextFile(path).catch(() => "");

Deno.test("tt restart keeps earlier round logs and the loop log; recover reads the latest run", async () => {
  const town = await chaosTown({ name: "evidence" });
  try {
    const dir = `${town.dir}/.tt/agents/w1`;
    const cli = `sh ${fixture("cli_echo.sh")}`;
    await town.ok("spawn", "w1", "--cli", cli);
    await town.ok("send", "w1", "first-run-message");
    await waitFor(
      "round 1's log",
      async () => (await read(`${dir}/round-1.log`)).includes("first-run-message"),
    );
    await town.ok("kill", "w1");
    await waitFor(
      "the first loop's end",
      async () => /Agent w1 finished \(/.test(await read(`${dir}/loop.log`)),
    );
    const round1 = await read(`${dir}/round-1.log`);
    const prompt1 = await read(`${dir}/round-1.prompt`);

    const second = JSON.parse(await town.ok("restart", "w1", "--json"));
    assert.equal(second.log_file, `${dir}/loop.log`);
    await town.ok("send", "w1", "second-run-message");
    await waitFor(
      "the restarted loop's round log",
      async () => (await read(`${dir}/round-2.log`)).includes("second-run-message"),
    );
    assert.equal(await read(`${dir}/round-1.log`), round1, "round 1's log is kept as it was");
    assert.equal(await read(`${dir}/round-1.prompt`), prompt1, "round 1's prompt too");
    assert.doesNotMatch(round1, /second-run-message/);

    const loop = await read(`${dir}/loop.log`);
    const headers = loop.split("\n").filter((l) => l.startsWith("====="));
    assert.equal(headers.length, 2, loop);
    assert.match(headers[0], /tt spawn: new loop for w1/);
    assert.match(headers[1], /tt restart: new loop for w1/);
    assert.equal(loop.match(/Agent w1 \(\S+\) starting/g)?.length, 2, "both runs are in the log");
    assert.ok(
      loop.indexOf("Agent w1 finished (") < loop.indexOf("tt restart"),
      "the first run's end comes before the restart",
    );
    assert.match(loop, /Round 1: running .* output in round-2\.log/);

    // The second loop dies: the first run's clean end must not make it look stopped.
    await waitFor(
      "w1 idle",
      async () => (await town.store.agents.resolveAgent("w1")).state === "idle",
    );
    crash(second.pid, true);
    await waitFor("the loop to die", () => !processAlive(second.pid));
    const recovered = JSON.parse(await town.ok("recover", "--json"));
    assert.equal(recovered.agents_recovered, 1);
    assert.equal((await town.store.agents.resolveAgent("w1")).state, "error");

    // A third run after recover numbers its rounds on.
    await town.ok("restart", "w1");
    await town.ok("send", "w1", "third-run-message");
    await waitFor(
      "round 3's log",
      async () => (await read(`${dir}/round-3.log`)).includes("third-run-message"),
    );
    assert.equal(await read(`${dir}/round-1.log`), round1);
  } finally {
    await town.done();
  }
});
