/**
 * One loop host per town and machine: spawned agents share one `tt agent-host` process; kill,
 * a hanging CLI or an ended loop touch one agent only; a SIGKILLed host loses nothing (recover
 * + restart); the host goes away with its last loop. Real redis-server, tt and sh CLIs.
 */
import assert from "node:assert/strict";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { newMessage } from "../src/model/message.ts";
import {
  type ChaosTown,
  chaosTown,
  loopLogTails,
  processAlive,
  readLines,
  shCli,
  waitFor,
} from "./fixtures/chaos_town.ts";

async function spawn(
  town: ChaosTown,
  name: string,
  cli: string,
): Promise<{ id: string; pid: number }> {
  const r = JSON.parse(await town.ok("spawn", name, "--cli", cli, "--max-rounds", "100", "--json"));
  return { id: r.id, pid: r.pid };
}

async function send(town: ChaosTown, id: string, marker: string): Promise<void> {
  await town.store.mailbox.send(
    newMessage(SUPERVISOR_ID, id, { type: "task", description: marker }),
  );
}

function hostArgv(pid: number): string[] {
  return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
}

Deno.test("loop host: agents share one process; kill and a hanging CLI touch one agent", async () => {
  const town = await chaosTown({ config: { idle_timeout_secs: 0 } });
  const record = `${town.dir}/handled.txt`;
  let hostPid = 0;
  try {
    const a = await spawn(town, "a", shCli("chaos_record.sh", record));
    const b = await spawn(town, "b", shCli("chaos_record.sh", record));
    const slow = await spawn(town, "slow", shCli("cli_sleep.sh", "600"));
    hostPid = a.pid;
    assert.equal(b.pid, a.pid, "the second spawn went to the same host");
    assert.equal(slow.pid, a.pid);
    assert.ok(hostArgv(hostPid).includes("agent-host"), hostArgv(hostPid).join(" "));
    await waitFor("three idle agents", async () => {
      const agents = await town.store.agents.list();
      return agents.length === 3 && agents.every((x) => x.state === "idle");
    });
    const status = JSON.parse(await town.ok("status", "--json"));
    for (const agent of status.agents) assert.equal(agent.pid, hostPid, JSON.stringify(agent));

    // A CLI that hangs keeps its agent working; the others go on.
    await send(town, slow.id, "chaos-msg-hang");
    await waitFor(
      "slow to work",
      async () => (await town.store.agents.get(slow.id))?.state === "working",
    );
    await send(town, a.id, "chaos-msg-1");
    await send(town, b.id, "chaos-msg-2");
    await waitFor("a and b to handle theirs", async () => (await readLines(record)).length === 2);

    // Killing one agent ends its loop and its CLI, not the host or the others.
    const cliPid = (await town.store.agents.get(slow.id))?.cliPid;
    assert.ok(cliPid && processAlive(cliPid), "the hanging CLI runs");
    await town.ok("kill", "slow");
    await waitFor("the killed agent's CLI to end", () => !processAlive(cliPid!));
    await waitFor("the killed loop to clear its pid", async () => {
      const s = await town.store.agents.get(slow.id);
      return s?.state === "stopped" && s.pid === undefined;
    });
    assert.ok(processAlive(hostPid), "the host lives on");
    assert.equal(await town.redis.llen(town.store.keys.inbox(slow.id)), 1, "its message is back");
    await send(town, a.id, "chaos-msg-3");
    await waitFor("a to go on", async () => (await readLines(record)).includes("chaos-msg-3"));

    // A restart goes to the same host.
    const again = JSON.parse(await town.ok("restart", "b", "--json").catch(() => "{}"));
    assert.equal(again.pid, undefined, "b is still running: restart refuses it");
  } finally {
    if (hostPid && processAlive(hostPid)) Deno.kill(hostPid, "SIGKILL");
    await town.done();
  }
});

Deno.test("loop host: a SIGKILLed host loses nothing; the last loop's end ends the host", async () => {
  const town = await chaosTown({ config: { idle_timeout_secs: 0 } });
  const record = `${town.dir}/handled.txt`;
  let hostPid = 0;
  try {
    const a = await spawn(town, "a", shCli("chaos_record.sh", record, "2"));
    const b = await spawn(town, "b", shCli("chaos_record.sh", record));
    hostPid = a.pid;
    await send(town, a.id, "chaos-msg-91");
    await waitFor(
      "a's round to begin",
      async () => (await town.store.agents.get(a.id))?.state === "working",
    );
    Deno.kill(hostPid, "SIGKILL");
    await waitFor("the host to die", () => !processAlive(hostPid));
    const r = JSON.parse(await town.ok("recover", "--json"));
    assert.equal(r.agents_recovered, 2, JSON.stringify(r));
    assert.equal(await town.redis.llen(town.store.keys.inbox(a.id)), 1, "a's message is back");
    const a2 = JSON.parse(await town.ok("restart", "a", "--rounds", "100", "--json"));
    const b2 = JSON.parse(await town.ok("restart", "b", "--rounds", "100", "--json"));
    assert.notEqual(a2.pid, hostPid);
    assert.equal(b2.pid, a2.pid, "both restarted loops share the new host");
    hostPid = a2.pid;
    await waitFor(
      "a's message to be handled",
      async () => (await readLines(record)).includes("chaos-msg-91"),
      20_000,
    );
    await send(town, b.id, "chaos-msg-92");
    await waitFor(
      "b's message to be handled",
      async () => (await readLines(record)).includes("chaos-msg-92"),
    );

    await town.ok("kill", "a");
    await town.ok("kill", "b");
    await waitFor("the host to exit with its last loop", () => !processAlive(hostPid), 15_000);
    const hosts = [...Deno.readDirSync(`${town.dir}/.tt/hosts`)].map((e) => e.name);
    assert.ok(!hosts.some((n) => n.endsWith(".pid")), `pid file left: ${hosts.join(", ")}`);
  } catch (err) {
    console.error(await loopLogTails(town.dir, 20));
    console.error(
      await Deno.readTextFile(
        `${town.dir}/.tt/hosts/${
          [...Deno.readDirSync(`${town.dir}/.tt/hosts`)].find((e) => e.name.endsWith(".log"))!.name
        }`,
      ).catch(() => ""),
    );
    throw err;
  } finally {
    if (hostPid && processAlive(hostPid)) Deno.kill(hostPid, "SIGKILL");
    await town.done();
  }
});

Deno.test("loop host: idle agents cost well under one Redis command per second", async () => {
  const town = await chaosTown({ config: { idle_timeout_secs: 0 } });
  let hostPid = 0;
  try {
    const ids: string[] = [];
    for (const name of ["i1", "i2", "i3", "i4", "i5"]) {
      const s = await spawn(town, name, shCli("cli_sleep.sh", "0"));
      ids.push(s.id);
      hostPid = s.pid;
    }
    await waitFor(
      "five idle agents",
      async () => (await town.store.agents.list()).filter((x) => x.state === "idle").length === 5,
    );
    const calls = async () => {
      const info = String(await town.redis.command(["INFO", "commandstats"]));
      let n = 0;
      for (const m of info.matchAll(/calls=(\d+)/g)) n += Number(m[1]);
      return n;
    };
    const before = await calls();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 8000)); // the window measured, not a wait for state
    const after = await calls();
    const secs = (performance.now() - t0) / 1000;
    const perAgent = (after - before - 1) / 5 / secs;
    console.log(`idle: ${perAgent.toFixed(2)} Redis commands per agent per second`);
    assert.ok(perAgent < 1, `${perAgent} commands per idle agent per second`);
  } finally {
    if (hostPid && processAlive(hostPid)) Deno.kill(hostPid, "SIGKILL");
    await town.done();
  }
});
