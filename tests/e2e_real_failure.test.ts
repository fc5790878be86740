/**
 * No silent failure with a real agent CLI (issue 9 §4): the scripted model server answers
 * every call with an API error, so every round of the real CLI fails. Expected: each failed
 * round records `last_error` (exit status, last output lines) shown by `tt status` with the
 * round log's path; consecutive failures back off (1 s, 2 s, ...); after
 * `[agent] max_failed_rounds` (default 3) the agent is in Error, its work is still in its
 * inbox, and the conductor got exactly one message naming the agent and the reason.
 */
import assert from "node:assert/strict";
import { type InstalledCli, realCliTest } from "./helpers/agent_clis.ts";
import { SCRIPTED_ERROR, startModelServer } from "./helpers/model_server.ts";
import { agentStatus, processAlive, spawn, waitFor } from "./fixtures/agent_town.ts";
import { REAL_CLIS } from "./fixtures/real_clis.ts";
import { realCliTown, withEvidence } from "./fixtures/real_cli_town.ts";

const MAX_FAILED_ROUNDS = 3;

/**
 * The CLIs that make exactly one model call per failed round (a 4xx is not retried), so the
 * rounds can be counted at the server.
 */
const CLIS = ["claude", "codex"];

interface FailedAgent {
  id: string;
  state: string;
  pid: number | null;
  inbox: number;
  urgent: number;
  in_flight: number;
  last_error?: unknown;
  last_error_detail?: unknown;
}

async function failureScenario(cli: InstalledCli): Promise<void> {
  const setup = REAL_CLIS[cli.name];
  await using server = await startModelServer({ mode: "error", protocols: [setup.protocol] });
  const town = await realCliTown({
    cli: cli.name,
    baseUrl: server.url,
    agent: { round_timeout_secs: 300 },
  });
  try {
    const { id } = await spawn(town, "doomed", cli.name);
    const { task_id: taskId } = JSON.parse(
      await town.ok("assign", "doomed", "this cannot work", "--json"),
    ) as { task_id: string };

    const failed = await waitFor("doomed to end (in Error)", async () => {
      const status = JSON.parse(await town.ok("status", "--json", "--deep")) as {
        agents: FailedAgent[];
      };
      const a = status.agents.find((x) => x.id === id);
      // Any end state ends the wait; only Error passes below.
      return a && ["error", "stopped", "cold"].includes(a.state) ? a : undefined;
    }, 180_000);
    assert.equal(failed.state, "error", JSON.stringify(failed));
    // The loop has ended: nothing more will arrive after this.
    await waitFor("doomed's loop to exit", () => {
      return Promise.resolve(failed.pid === null || !processAlive(failed.pid));
    }, 30_000);

    // One model call per round (the CLIs do not retry a 4xx): exactly max_failed_rounds rounds.
    const errors = server.replies("error");
    assert.equal(errors.length, MAX_FAILED_ROUNDS, errors.map((r) => r.path).join("\n"));
    // Back-off: at least 1 s, then 2 s between failed rounds (CLI start-up comes on top).
    const gaps = errors.slice(1).map((r, i) => r.receivedAt - errors[i].receivedAt);
    assert.ok(gaps[0] >= 1000 && gaps[1] >= 2000, `gaps between failed rounds: ${gaps}`);

    // last_error: the exit status and the CLI's last lines, in JSON and in plain `tt status`.
    // The reason is `last_error`; the exit status and output lines are its detail.
    const lastError = JSON.stringify([failed.last_error ?? null, failed.last_error_detail ?? null]);
    assert.ok(lastError.includes(SCRIPTED_ERROR), lastError);
    assert.match(lastError, /exit(ed)?( with)?( status| code)?:? ?1\b/i);
    const plain = await town.ok("status");
    assert.ok(plain.includes(SCRIPTED_ERROR), plain);
    assert.match(plain, /\.tt\/agents\/doomed\/round-\d+\.log/);

    // The work is not lost: the assignment waits in the inbox, the task is not done.
    assert.equal(failed.inbox + failed.urgent, 1, JSON.stringify(failed));
    assert.equal(failed.in_flight, 0);
    const task = JSON.parse(await town.ok("task", "show", taskId, "--json")) as { state: string };
    assert.notEqual(task.state, "completed");

    // The conductor is told once, with the agent's name and the reason.
    const inbox = JSON.parse(await town.ok("inbox", "conductor", "--json")) as {
      total: number;
      previews: { from: string; text: string }[];
    };
    assert.equal(inbox.total, 1, JSON.stringify(inbox));
    assert.match(inbox.previews[0].text, /doomed/);
    assert.ok(
      inbox.previews[0].text.includes(SCRIPTED_ERROR) || /exit|fail/i.test(inbox.previews[0].text),
      inbox.previews[0].text,
    );
    assert.equal((await agentStatus(town, "doomed")).state, "error");
  } catch (err) {
    throw await withEvidence(err, town, server.requests);
  } finally {
    await town.done();
  }
}

for (const name of CLIS) {
  realCliTest(
    name,
    `${name}: failing API -> last_error shown, back-off, Error after ${MAX_FAILED_ROUNDS} rounds, one conductor message`,
    failureScenario,
  );
}
