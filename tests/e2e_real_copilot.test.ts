/**
 * GitHub's standalone agent CLI `copilot` (npm @github/copilot, installed by .ci/run into the
 * agent CLIs' cache) runs one tt round against a scripted OpenAI-compatible API on 127.0.0.1
 * (tests/helpers/model_server_copilot.ts): `tt spawn --cli copilot` + `tt assign`, the model
 * calls copilot's own `bash` tool with `tt task complete <id>`, and the task ends Completed by
 * that agent. Ignored (with the reason printed) when the CLI is not installed.
 *
 * How copilot 1.0 is pointed at 127.0.0.1: its "bring your own key" provider variables
 * (`COPILOT_PROVIDER_BASE_URL`, `COPILOT_PROVIDER_TYPE=openai`, `COPILOT_PROVIDER_API_KEY`,
 * `COPILOT_MODEL`) with `COPILOT_OFFLINE=true`, so no GitHub login is needed and nothing goes to
 * GitHub; `COPILOT_AUTO_UPDATE=false` so it never downloads a newer version mid-test.
 */
import assert from "node:assert/strict";
import { installedAgentCli, installedVersion, SCRIPTED_RESULT } from "./helpers/model_script.ts";
import { COPILOT_ERROR_MESSAGE, startCopilotModel } from "./helpers/model_server_copilot.ts";
import {
  assertVisibleApiFailure,
  assignOneRound,
  realCliTown,
} from "./fixtures/real_cli_town_gca.ts";
import type { ModelServer } from "./helpers/model_script.ts";

const COPILOT = installedAgentCli("copilot", "@github/copilot");
const VERSION = installedVersion("@github/copilot");

/**
 * The argv the real CLI needs headless (the preset is being aligned to it): the standalone
 * `copilot` (not `gh copilot`) with `--allow-all-tools`, without which every shell call is
 * "Denied, no one to approve". The prompt goes on stdin.
 */
const COPILOT_COMMAND = "copilot --allow-all-tools";

function copilotTown(model: ModelServer) {
  return realCliTown({
    cli: "copilot",
    command: COPILOT_COMMAND,
    env: (home) => ({
      COPILOT_HOME: `${home}/.copilot`,
      COPILOT_OFFLINE: "true",
      COPILOT_AUTO_UPDATE: "false",
      COPILOT_PROVIDER_BASE_URL: `${model.url}/v1`,
      COPILOT_PROVIDER_TYPE: "openai",
      COPILOT_PROVIDER_API_KEY: "scripted-key",
      COPILOT_MODEL: "gpt-4.1",
    }),
  });
}

Deno.test({
  name: `real copilot ${VERSION}: tt spawn + tt assign; the scripted model's shell call ` +
    "completes the task (local endpoint, full round)",
  ignore: COPILOT === undefined,
  fn: async () => {
    await using model = await startCopilotModel();
    const town = await copilotTown(model);
    try {
      const round = await assignOneRound(town, "copilot");
      console.error(`copilot round: ${round.ms} ms`);
      assert.equal(round.task.state, "completed", round.log);
      assert.equal(round.task.assigned_to, round.agentId);
      assert.equal(round.task.result, SCRIPTED_RESULT);
      assert.equal(round.agent.tasks_completed, 1);

      const turns = model.requests.filter((r) => r.path.startsWith("/v1/chat/completions"));
      assert.ok(turns.length >= 2, `expected two model turns, got ${turns.length}`);
      // The first turn carried tt's prompt (read from stdin) with the task's id ...
      assert.ok(turns[0].body.includes(`Task ID: ${round.taskId}`), "prompt reached the model");
      assert.equal(turns[0].headers.get("authorization"), "Bearer scripted-key");
      // ... and a later one the output of `tt task complete` run by copilot's own bash tool.
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
  name: `real copilot ${VERSION}: when the API answers HTTP 400 the round fails visibly ` +
    "(non-zero exit, the error in the round log) and the task stays open",
  ignore: COPILOT === undefined,
  fn: async () => {
    await using model = await startCopilotModel("error");
    const town = await copilotTown(model);
    try {
      // One round only: what tt does after failed rounds is tested with scripted CLIs.
      const round = await assignOneRound(town, "copilot", { spawnArgs: ["--max-rounds", "1"] });
      console.error(`copilot failed round: ${round.ms} ms`);
      assertVisibleApiFailure(
        round,
        model.requests.filter((r) => r.path.startsWith("/v1/chat/completions")),
        new RegExp(COPILOT_ERROR_MESSAGE),
      );
    } finally {
      await town.done();
    }
  },
});
