/**
 * The real `gemini` CLI (npm @google/gemini-cli, installed by .ci/run into the agent CLIs'
 * cache) runs one tt round against a scripted Gemini API on 127.0.0.1
 * (tests/helpers/model_server_gemini.ts): `tt spawn --cli gemini` + `tt assign`, the model
 * calls gemini's own `run_shell_command` tool with `tt task complete <id>`, and the task ends
 * Completed by that agent. Ignored (with the reason printed) when the CLI is not installed.
 *
 * How gemini 0.61 is pointed at 127.0.0.1: `GOOGLE_GEMINI_BASE_URL` + `GEMINI_API_KEY`, plus
 * `security.auth.selectedType = "gemini-api-key"` in its settings.json — with the base URL alone
 * it picks the "gateway" auth type, which its headless mode rejects ("Invalid auth method
 * selected.", exit 41). `GEMINI_CLI_HOME` keeps its `.gemini` folder in the test's temp HOME.
 */
import assert from "node:assert/strict";
import { installedAgentCli, installedVersion, SCRIPTED_RESULT } from "./helpers/model_script.ts";
import { GEMINI_ERROR_MESSAGE, startGeminiModel } from "./helpers/model_server_gemini.ts";
import {
  assertVisibleApiFailure,
  assignOneRound,
  realCliTown,
} from "./fixtures/real_cli_town_gca.ts";
import type { ModelServer } from "./helpers/model_script.ts";

const GEMINI = installedAgentCli("gemini", "@google/gemini-cli");
const VERSION = installedVersion("@google/gemini-cli");

/**
 * The argv the real CLI needs headless (the preset is being aligned to it): `--skip-trust`, or
 * it refuses an untrusted folder; `--yolo`, or it offers no shell tool. The prompt goes on stdin.
 */
const GEMINI_COMMAND = "gemini --yolo --skip-trust";

function geminiTown(model: ModelServer) {
  return realCliTown({
    cli: "gemini",
    command: GEMINI_COMMAND,
    prepareHome: async (home) => {
      await Deno.mkdir(`${home}/.gemini`);
      await Deno.writeTextFile(
        `${home}/.gemini/settings.json`,
        JSON.stringify({
          security: { auth: { selectedType: "gemini-api-key" } },
          privacy: { usageStatisticsEnabled: false },
        }),
      );
    },
    env: (home) => ({
      GEMINI_CLI_HOME: home,
      GEMINI_API_KEY: "scripted-key",
      GOOGLE_GEMINI_BASE_URL: model.url,
    }),
  });
}

Deno.test({
  name: `real gemini ${VERSION}: tt spawn + tt assign; the scripted model's shell call completes ` +
    "the task (local endpoint, full round)",
  ignore: GEMINI === undefined,
  fn: async () => {
    await using model = await startGeminiModel();
    const town = await geminiTown(model);
    try {
      const round = await assignOneRound(town, "gemini");
      console.error(`gemini round: ${round.ms} ms`);
      assert.equal(round.task.state, "completed", round.log);
      assert.equal(round.task.assigned_to, round.agentId);
      assert.equal(round.task.result, SCRIPTED_RESULT);
      assert.equal(round.agent.tasks_completed, 1);

      const turns = model.requests.filter((r) => r.path.includes(":streamGenerateContent"));
      assert.ok(turns.length >= 2, `expected two model turns, got ${turns.length}`);
      // The first turn carried tt's prompt (read from stdin) with the task's id ...
      assert.ok(turns[0].body.includes(`Task ID: ${round.taskId}`), "prompt reached the model");
      assert.equal(turns[0].headers.get("x-goog-api-key"), "scripted-key");
      // ... and a later one the output of `tt task complete` run by gemini's own shell tool.
      assert.ok(
        turns.some((t) => t.body.includes(`completed (${round.taskId})`)),
        "tt's output went back to the model as the tool's result",
      );
      assert.match(round.log, /The task is complete\./);
    } finally {
      await town.done();
    }
  },
});

Deno.test({
  name: `real gemini ${VERSION}: when the API answers HTTP 400 the round fails visibly ` +
    "(non-zero exit, the error in the round log) and the task stays open",
  ignore: GEMINI === undefined,
  fn: async () => {
    await using model = await startGeminiModel("error");
    const town = await geminiTown(model);
    try {
      // One round only: what tt does after failed rounds is tested with scripted CLIs.
      const round = await assignOneRound(town, "gemini", { spawnArgs: ["--max-rounds", "1"] });
      console.error(`gemini failed round: ${round.ms} ms`);
      assertVisibleApiFailure(
        round,
        model.requests.filter((r) => r.path.includes(":streamGenerateContent")),
        new RegExp(GEMINI_ERROR_MESSAGE),
      );
    } finally {
      await town.done();
    }
  },
});
