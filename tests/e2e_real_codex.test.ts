/**
 * The real Codex CLI (npm @openai/codex) runs rounds through `tt spawn` and `tt assign`
 * against the scripted model server speaking OpenAI's Responses API on 127.0.0.1, set up as a
 * custom model provider in `$CODEX_HOME/config.toml`. In "complete" mode the scripted model
 * calls Codex's own shell tool (`exec_command`) to run `tt task complete <id>`; in "error"
 * mode it answers with an API error.
 */
import assert from "node:assert/strict";
import { realCliTest } from "./helpers/agent_clis.ts";
import { CODEX_COMMAND, codexEnv } from "./fixtures/real_cli_env.ts";
import { openaiResponsesProtocol } from "./helpers/model_openai.ts";
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
  "codex",
  "codex: a real round completes the assigned task with its shell tool",
  async () => {
    await using server = await startModelServer({
      mode: "complete",
      protocols: [openaiResponsesProtocol],
    });
    const home = await makeCliHome();
    const town = await realCliTown({
      cli: "codex",
      home,
      env: await codexEnv(home, server.url),
      command: CODEX_COMMAND,
      agent: { round_timeout_secs: 300 },
    });
    try {
      const agent = await spawn(town, "cody", "codex");
      const started = Date.now();
      const { task_id: taskId } = JSON.parse(
        await town.ok("assign", "cody", "write the release notes", "--json"),
      ) as { task_id: string };

      const task = await waitForTaskEnd(town, "cody", taskId);
      const completedAfter = Date.now() - started;
      assert.equal(task.state, "completed", JSON.stringify(task));
      assert.equal(task.assigned_to, agent.id);
      assert.equal(task.result, SCRIPTED_RESULT);
      const completed = (await townEvents(town)).find((e) =>
        e.event_type === "task_completed" && e.task_id === taskId
      );
      assert.equal(completed?.agent_id, agent.id, "completed by cody's own tt call");

      const calls = server.replies("tool_call");
      assert.equal(calls.length, 1, server.requests.map((r) => `${r.path} ${r.reply}`).join("\n"));
      assert.equal(calls[0].taskId, taskId);
      assert.equal(calls[0].headers["authorization"], "Bearer sk-dummy-for-tests");
      const after = server.replies("final_text").filter((r) => r.seq > calls[0].seq);
      assert.equal(after.length, 1);
      assert.match(after[0].toolResult ?? "", /complete/i);

      const settled = await waitFor("cody's round to be counted", async () => {
        const a = await agentStatus(town, "cody");
        return a.rounds_completed === 1 && a.state === "idle" ? a : undefined;
      }, 60_000);
      assert.equal(settled.inbox + settled.in_flight, 0);
      const round = await roundSummary(town, "cody");
      console.log(`codex: task completed ${completedAfter} ms after tt assign; ${round}`);
      assert.match((settled.activity ?? []).join("\n"), /Round 1: ✅ completed/);
      const log = await Deno.readTextFile(`${town.dir}/.tt/agents/cody/round-1.log`);
      assert.ok(log.includes(SCRIPTED_FINAL_TEXT), log);
    } catch (err) {
      throw await withEvidence(err, town, server.requests);
    } finally {
      await town.done();
    }
  },
);

realCliTest(
  "codex",
  "codex: an API error fails the round visibly (exit 1, error in the round log)",
  async () => {
    await using server = await startModelServer({
      mode: "error",
      protocols: [openaiResponsesProtocol],
    });
    const home = await makeCliHome();
    const town = await realCliTown({
      cli: "codex",
      home,
      env: await codexEnv(home, server.url),
      command: CODEX_COMMAND,
      agent: { round_timeout_secs: 300 },
    });
    try {
      await spawn(town, "clumsy", "codex");
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
      // Codex prints the API's error body as "ERROR: {...}" and exits 1.
      const log = await Deno.readTextFile(`${town.dir}/.tt/agents/clumsy/round-1.log`);
      assert.match(log, /^ERROR: .*scripted model server: simulated API failure/m);
      assert.ok(log.includes(SCRIPTED_ERROR), log);
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
