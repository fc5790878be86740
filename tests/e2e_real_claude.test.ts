/**
 * The real Claude Code CLI (npm @anthropic-ai/claude-code) runs rounds through `tt spawn` and
 * `tt assign`, with the `claude` preset's command as it is, against the scripted model server
 * speaking the Anthropic Messages API on 127.0.0.1. In "complete" mode the scripted model
 * calls Claude Code's own Bash tool to run `tt task complete <id>`; in "error" mode it answers
 * with an API error.
 */
import assert from "node:assert/strict";
import { realCliTest } from "./helpers/agent_clis.ts";
import { claudeEnv } from "./fixtures/real_cli_env.ts";
import { anthropicProtocol } from "./helpers/model_anthropic.ts";
import {
  SCRIPTED_ERROR,
  SCRIPTED_FINAL_TEXT,
  SCRIPTED_RESULT,
  startModelServer,
} from "./helpers/model_server.ts";
import { agentStatus, spawn, waitFor } from "./fixtures/agent_town.ts";
import {
  makeCliHome,
  realCliTown,
  roundSummary,
  townEvents,
  waitForTaskEnd,
  withEvidence,
} from "./fixtures/real_cli_town.ts";

realCliTest(
  "claude",
  "claude: a real round completes the assigned task with its Bash tool",
  async () => {
    await using server = await startModelServer({
      mode: "complete",
      protocols: [anthropicProtocol],
    });
    const town = await realCliTown({
      cli: "claude",
      home: await makeCliHome(),
      env: claudeEnv(server.url),
      agent: { round_timeout_secs: 300 },
    });
    try {
      const agent = await spawn(town, "claudia", "claude");
      const started = Date.now();
      const { task_id: taskId } = JSON.parse(
        await town.ok("assign", "claudia", "write the release notes", "--json"),
      ) as { task_id: string };

      const task = await waitForTaskEnd(town, "claudia", taskId);
      const completedAfter = Date.now() - started;
      assert.equal(task.state, "completed", JSON.stringify(task));
      assert.equal(task.assigned_to, agent.id);
      assert.equal(task.result, SCRIPTED_RESULT);
      const completed = (await townEvents(town)).find((e) =>
        e.event_type === "task_completed" && e.task_id === taskId
      );
      assert.equal(completed?.agent_id, agent.id, "completed by claudia's own tt call");

      // The CLI really talked to the scripted model: one Bash call for this task, then the turn
      // that carried its output back.
      const calls = server.replies("tool_call");
      assert.equal(calls.length, 1, server.requests.map((r) => `${r.path} ${r.reply}`).join("\n"));
      assert.equal(calls[0].taskId, taskId);
      assert.equal(calls[0].headers["x-api-key"], "sk-ant-dummy-for-tests");
      const after = server.replies("final_text").filter((r) => r.seq > calls[0].seq);
      assert.equal(after.length, 1);
      assert.match(after[0].toolResult ?? "", /complete/i);

      const settled = await waitFor("claudia's round to be counted", async () => {
        const a = await agentStatus(town, "claudia");
        return a.rounds_completed === 1 && a.state === "idle" ? a : undefined;
      }, 60_000);
      assert.equal(settled.inbox + settled.in_flight, 0);
      const round = await roundSummary(town, "claudia");
      console.log(`claude: task completed ${completedAfter} ms after tt assign; ${round}`);
      assert.match((settled.activity ?? []).join("\n"), /Round 1: ✅ completed/);
      const log = await Deno.readTextFile(`${town.dir}/.tt/agents/claudia/round-1.log`);
      assert.ok(log.includes(SCRIPTED_FINAL_TEXT), log);
    } catch (err) {
      throw await withEvidence(err, town, server.requests);
    } finally {
      await town.done();
    }
  },
);

realCliTest(
  "claude",
  "claude: an API error fails the round visibly (exit 1, error in the round log)",
  async () => {
    await using server = await startModelServer({ mode: "error", protocols: [anthropicProtocol] });
    const town = await realCliTown({
      cli: "claude",
      home: await makeCliHome(),
      env: claudeEnv(server.url),
      agent: { round_timeout_secs: 300 },
    });
    try {
      await spawn(town, "clumsy", "claude");
      const { task_id: taskId } = JSON.parse(
        await town.ok("assign", "clumsy", "this will not work", "--json"),
      ) as { task_id: string };
      const status = await waitFor("clumsy's first round to fail", async () => {
        const a = await agentStatus(town, "clumsy");
        // "CLI error" is how the loop records a non-zero exit.
        return (a.activity ?? []).some((l) => l.startsWith("Round 1: ⚠️ CLI error"))
          ? a
          : undefined;
      }, 120_000);
      assert.ok(server.replies("error").length >= 1, "the CLI called the model");
      // Claude Code prints the API's message and exits 1: a 4xx is not retried.
      const log = await Deno.readTextFile(`${town.dir}/.tt/agents/clumsy/round-1.log`);
      assert.ok(log.includes(`API Error: 400 ${SCRIPTED_ERROR}`), log);
      assert.equal(status.tasks_completed, 0);
      const task = JSON.parse(await town.ok("task", "show", taskId, "--json")) as { state: string };
      assert.notEqual(task.state, "completed");
    } catch (err) {
      throw await withEvidence(err, town, server.requests);
    } finally {
      await town.done();
    }
  },
);
