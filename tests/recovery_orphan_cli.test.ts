/**
 * A loop killed with SIGKILL leaves its agent CLI running in its own session. The loop records
 * the CLI's pid on the agent, so `tt recover` (and `tt kill`) can end it, and the work is not
 * done twice by the old CLI and a restarted round.
 */
import assert from "node:assert/strict";
import { agentTown, processAlive, spawn, waitFor } from "./fixtures/agent_town.ts";

async function hangingRound(
  town: Awaited<ReturnType<typeof agentTown>>,
  name: string,
): Promise<{ loopPid: number; cliPid: number }> {
  const { pid: loopPid } = await spawn(town, name, "hanging");
  await town.ok("send", name, "work that never ends");
  const pidFile = `${town.dir}/probe/${name}.pid`;
  const cliPid = await waitFor("the CLI to start", async () => {
    try {
      return Number(await Deno.readTextFile(pidFile)) || undefined;
    } catch {
      return undefined;
    }
  });
  // The loop records the CLI pid right after starting it.
  await waitFor("cli_pid on the agent", async () => {
    const list = JSON.parse(await town.ok("status", "--json"));
    return list.agents.find((a: { name: string }) => a.name === name)?.state === "working";
  });
  return { loopPid, cliPid };
}

Deno.test("tt recover ends the agent CLI of a loop that was SIGKILLed", async () => {
  const town = await agentTown();
  try {
    const { loopPid, cliPid } = await hangingRound(town, "orphaner");
    Deno.kill(loopPid, "SIGKILL");
    await waitFor("the loop to die", () => Promise.resolve(!processAlive(loopPid)));
    assert.ok(processAlive(cliPid), "the CLI outlives its loop");
    const r = JSON.parse(await town.ok("recover", "--json"));
    assert.equal(r.agents_recovered, 1);
    assert.equal(r.recovered[0].agent_cli_ended, true);
    await waitFor(
      "the orphaned CLI to be gone",
      () => Promise.resolve(!processAlive(cliPid)),
      10_000,
    );
    // Its message went back to the inbox for the next loop.
    const inbox = JSON.parse(await town.ok("inbox", "orphaner", "--json"));
    assert.match(JSON.stringify(inbox), /work that never ends/);
  } finally {
    await town.done();
  }
});

Deno.test("tt kill ends the agent CLI when the loop is already gone", async () => {
  const town = await agentTown();
  try {
    const { loopPid, cliPid } = await hangingRound(town, "orphan2");
    Deno.kill(loopPid, "SIGKILL");
    await waitFor("the loop to die", () => Promise.resolve(!processAlive(loopPid)));
    await town.ok("kill", "orphan2");
    await waitFor(
      "the orphaned CLI to be gone",
      () => Promise.resolve(!processAlive(cliPid)),
      10_000,
    );
  } finally {
    await town.done();
  }
});
