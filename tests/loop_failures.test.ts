/**
 * No silent failure: a failed round records `last_error` (exit status, the end of the CLI's
 * output, the round log's path) on the agent, shown by plain `tt status` and `--json`; failed
 * rounds in a row back off (doubling), and after `[agent] max_failed_rounds` the agent is in
 * Error with its messages still in its inbox and the conductor told once. A stop during a
 * back-off ends it at once; a round that succeeds clears the error.
 */
import assert from "node:assert/strict";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { chaosTown, processAlive, readLines, shCli, waitFor } from "./fixtures/chaos_town.ts";

interface StatusAgent {
  name: string;
  state: string;
  pid: number | null;
  inbox: number;
  in_flight: number;
  last_error: string | null;
  last_error_detail: {
    outcome: string;
    exit_code: number | null;
    signal: string | null;
    message: string;
    at: string;
    round: number;
    failed_rounds: number;
    log: string;
    output_tail: string[];
  } | null;
}

async function statusAgent(town: { ok(...a: string[]): Promise<string> }, name: string) {
  const s = JSON.parse(await town.ok("status", "--json")) as { agents: StatusAgent[] };
  const a = s.agents.find((x) => x.name === name);
  if (!a) throw new Error(`no agent ${name}`);
  return a;
}

Deno.test("failing rounds: last_error shown, back-off, Error after 3, work kept, conductor told once", async () => {
  const backoff = 400;
  const town = await chaosTown({
    config: { idle_timeout_secs: 0, max_failed_rounds: 3, failed_round_backoff_ms: backoff },
  });
  try {
    const starts = `${town.dir}/starts`;
    const { pid } = JSON.parse(
      await town.ok("spawn", "flaky", "--cli", shCli("cli_fail_loud.sh", starts), "--json"),
    ) as { pid: number };
    const task = JSON.parse(await town.ok("assign", "flaky", "the job", "--json")).task_id;

    const failed = await waitFor("flaky to go to Error", async () => {
      const a = await statusAgent(town, "flaky");
      return a.state === "error";
    }, 30_000).then(() => statusAgent(town, "flaky"));

    // The record: why, with the exit status and the end of the CLI's output.
    assert.match(failed.last_error!, /3 failed rounds in a row.*exited with 7/);
    const d = failed.last_error_detail!;
    assert.equal(d.outcome, "failed");
    assert.equal(d.exit_code, 7);
    assert.equal(d.round, 3);
    assert.equal(d.failed_rounds, 3);
    assert.equal(d.output_tail.length, 20);
    assert.equal(d.output_tail[d.output_tail.length - 1], "fatal: the model is unavailable");
    assert.equal(d.output_tail[0], "output line 12");
    assert.ok(new Date(d.at).getTime() > 0);
    assert.match(await Deno.readTextFile(d.log), /output line 1\n/);

    // Plain `tt status` shows it, with the log's path.
    const plain = await town.ok("status");
    const lines = plain.split("\n");
    const at = lines.findIndex((l) => l.includes("flaky"));
    assert.ok(at >= 0, plain);
    assert.match(lines[at + 1], /^ {4}Last error: 3 failed rounds in a row.*exited with 7/);
    assert.equal(lines[at + 2], `    Round log: ${d.log}`);
    const deep = await town.ok("status", "--deep");
    assert.ok(deep.includes("    | fatal: the model is unavailable"), deep);

    // Back-off: the rounds were at least 1x and 2x the base apart.
    const times = (await readLines(starts)).map(Number);
    assert.equal(times.length, 3, "exactly three rounds ran");
    assert.ok(times[1] - times[0] >= backoff, `gap 1: ${times[1] - times[0]} ms`);
    assert.ok(times[2] - times[1] >= 2 * backoff, `gap 2: ${times[2] - times[1]} ms`);

    // Nothing lost: the task's message waits in the inbox, the task is still assigned.
    assert.equal(failed.inbox, 1);
    assert.equal(failed.in_flight, 0);
    assert.equal((await town.store.tasks.get(task))?.state, "assigned");
    await waitFor("the loop process to end", () => !processAlive(pid));

    // The conductor got exactly one message, naming the agent and the reason.
    const { messages } = await town.store.mailbox.peek(SUPERVISOR_ID);
    assert.equal(messages.length, 1, JSON.stringify(messages));
    const body = messages[0].body;
    assert.equal(body.type, "informational");
    if (body.type === "informational") {
      assert.match(body.summary, /^Agent flaky stopped with an error: 3 failed rounds/);
      assert.match(body.summary, /exited with 7/);
      assert.ok(body.summary.includes(d.log));
    }
  } finally {
    await town.done();
  }
});

Deno.test("a stop during a back-off ends it at once (kill and close)", async () => {
  // A 60 s back-off: the stop has to cut it short.
  const town = await chaosTown({
    config: { idle_timeout_secs: 0, max_failed_rounds: 5, failed_round_backoff_ms: 60_000 },
  });
  try {
    const pids = new Map<string, number>();
    for (const name of ["killed", "closed"]) {
      const cli = shCli("cli_fail_loud.sh", `${town.dir}/${name}.starts`);
      pids.set(name, JSON.parse(await town.ok("spawn", name, "--cli", cli, "--json")).pid);
      await town.ok("send", name, "do something");
    }
    for (const name of pids.keys()) {
      await waitFor(`${name}'s first failure to be recorded`, async () => {
        return (await statusAgent(town, name)).last_error_detail?.round === 1;
      }, 20_000);
    }
    const stopped = Date.now();
    await town.ok("kill", "killed");
    await town.ok("close", "closed");
    for (const [name, pid] of pids) {
      await waitFor(`${name}'s loop to end`, () => !processAlive(pid), 15_000);
    }
    const took = Date.now() - stopped;
    assert.ok(took < 30_000, `the back-off was not cut short: ${took} ms`);
    assert.equal((await statusAgent(town, "killed")).state, "stopped");
    assert.equal((await statusAgent(town, "closed")).state, "cold");
    for (const name of pids.keys()) {
      assert.equal((await readLines(`${town.dir}/${name}.starts`)).length, 1, name);
    }
  } finally {
    await town.done();
  }
});

Deno.test("a round that succeeds after a failure clears last_error", async () => {
  const town = await chaosTown({
    config: { idle_timeout_secs: 0, failed_round_backoff_ms: 1500 },
  });
  try {
    const cli = shCli("cli_fail_first.sh", `${town.dir}/failed-once`);
    const { id } = JSON.parse(await town.ok("spawn", "phoenix", "--cli", cli, "--json")) as {
      id: string;
    };
    const task = JSON.parse(await town.ok("assign", "phoenix", "rise", "--json")).task_id;
    // Read the record itself: the failure shows only for the back-off (1.5 s), which a
    // `tt status` subprocess per poll can miss on a loaded machine.
    await waitFor("the first round's failure to be recorded", async () => {
      const a = await town.store.agents.get(id);
      return a?.lastErrorDetail?.exitCode === 5;
    }, 30_000);
    await waitFor("the task to complete", async () => {
      return (await town.store.tasks.get(task))?.state === "completed";
    }, 30_000);
    const a = await waitFor("phoenix to settle", async () => {
      const s = await statusAgent(town, "phoenix");
      return s.state === "idle" && s.last_error === null;
    }, 20_000).then(() => statusAgent(town, "phoenix"));
    assert.equal(a.last_error_detail, null);
    assert.ok(!(await town.ok("status")).includes("Last error"));
    assert.equal((await town.store.mailbox.peek(SUPERVISOR_ID)).messages.length, 0);
  } finally {
    await town.done();
  }
});
