/**
 * Read-only commands on a stopped town do not start its redis-server again (that would undo
 * `tt stop` behind the user's back): `tt status` reports the town as stopped and exits 0, the
 * others fail with one line saying to run `tt start`. Commands that change the town still start
 * it, as before.
 */
import assert from "node:assert/strict";
import { isAlive } from "../src/process.ts";
import { makeTestTown, oneErrorLine } from "./helpers/tt.ts";

const READ_ONLY: string[][] = [
  ["list"],
  ["inbox", "--all"],
  ["inbox", "conductor"],
  ["tasks"],
  ["task", "list"],
  ["task", "show", "00000000-0000-4000-8000-000000000000"],
  ["history"],
  ["events"],
  ["backlog", "list"],
];

async function serverRunning(dir: string): Promise<boolean> {
  const pid = Number((await Deno.readTextFile(`${dir}/.tt/redis.pid`).catch(() => "")).trim());
  return pid > 0 && isAlive(pid);
}

Deno.test("after tt stop, read-only commands report the town stopped and start nothing", async () => {
  const town = await makeTestTown({ name: "quiet", inProcess: true });
  try {
    await town.ok("backlog", "add", "kept across the stop");
    await town.ok("stop");
    assert.equal(await serverRunning(town.dir), false);

    const status = await town.tt("status");
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^Town: quiet$/m);
    assert.match(status.stdout, /stopped[^\n]*tt start/);
    assert.equal(status.stderr, "");
    const json = JSON.parse(await town.ok("status", "--json"));
    assert.equal(json.town, "quiet");
    assert.equal(json.running, false);
    assert.equal(json.redis.running, false);
    assert.equal(await serverRunning(town.dir), false, "tt status started nothing");

    for (const args of READ_ONLY) {
      const line = oneErrorLine(await town.tt(...args), { code: 1 });
      assert.match(line, /town 'quiet' is stopped.*'tt start'/, args.join(" "));
      assert.equal(await serverRunning(town.dir), false, `tt ${args.join(" ")} started nothing`);
    }

    // A command that changes the town starts it, and the data is back.
    await town.ok("backlog", "add", "after the stop");
    assert.equal(await serverRunning(town.dir), true);
    const running = JSON.parse(await town.ok("status", "--json"));
    assert.equal(running.running, true);
    assert.equal(running.tasks.backlog, 2);
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});
