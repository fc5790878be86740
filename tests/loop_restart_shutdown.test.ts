/**
 * Review: `tt restart` of an agent whose previous loop is still shutting down. `tt kill` marks
 * the agent stopped at once, but its loop may need seconds to end a CLI that ignores SIGTERM.
 * A restart in that window must not end with the old loop's last writes (state `stopped`, no
 * pid, lease released) on top of the new loop's record.
 */
import assert from "node:assert/strict";
import { chaosTown, processAlive, waitFor } from "./fixtures/chaos_town.ts";

/** First run: ignores SIGTERM and hangs (the loop needs the 5 s grace + SIGKILL). Later: exit 0. */
const STUBBORN = `#!/bin/sh
dir=$(dirname "$0")
if [ -e "$dir/hung" ]; then exit 0; fi
trap '' TERM
echo $$ > "$dir/hung.tmp" && mv "$dir/hung.tmp" "$dir/hung"
while :; do sleep 0.1; done
`;

Deno.test("restart while the killed loop still ends its CLI: the new loop owns the record", async () => {
  const town = await chaosTown();
  let newPid: number | undefined;
  try {
    const script = `${town.dir}/stubborn/cli.sh`;
    await Deno.mkdir(`${town.dir}/stubborn`);
    await Deno.writeTextFile(script, STUBBORN);
    const old = JSON.parse(
      await town.ok("spawn", "alice", "--cli", `sh ${script}`, "--json"),
    ) as { id: string; pid: number };
    await town.ok("send", "alice", "job 1");
    await waitFor("the stubborn CLI to start", async () => {
      return (await Deno.readTextFile(`${town.dir}/stubborn/hung`).catch(() => "")) !== "";
    });

    await town.ok("kill", "alice");
    assert.ok(processAlive(old.pid), "the old loop is still ending its CLI");
    const r = await town.tt("restart", "alice", "--json");
    assert.equal(r.code, 0, r.stderr);
    newPid = (JSON.parse(r.stdout) as { pid: number }).pid;
    assert.notEqual(newPid, old.pid);

    await waitFor("the old loop to exit", () => !processAlive(old.pid), 20_000);
    // The new loop runs: the record must say so (not the old loop's final `stopped`).
    await waitFor("the record to show the new loop, idle", async () => {
      const a = await town.store.agents.get(old.id);
      return a?.state === "idle" && a.pid === newPid;
    }, 10_000);
    assert.ok(processAlive(newPid), "the new loop runs");
    assert.equal(await town.redis.exists(town.store.keys.lease(old.id)), 1, "lease held");
  } finally {
    if (newPid !== undefined && processAlive(newPid)) await town.tt("kill", "alice");
    await town.done();
  }
});
