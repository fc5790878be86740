/**
 * The real `auggie` CLI (npm @augmentcode/auggie, installed by .ci/run into the agent CLIs'
 * cache) runs one tt round against a scripted Augment API on 127.0.0.1
 * (tests/helpers/model_server_auggie.ts): `tt spawn --cli auggie` + `tt assign`, the model
 * calls auggie's own `launch-process` tool with `tt task complete <id>`, and the task ends
 * Completed by that agent. Ignored (with the reason printed) when the CLI is not installed.
 *
 * How auggie 0.36 is pointed at 127.0.0.1: `AUGMENT_SESSION_AUTH`, the session JSON it would
 * otherwise keep in ~/.augment/session.json, whose `tenantURL` is the API's base URL;
 * `AUGMENT_DISABLE_AUTO_UPDATE=1` so it never updates itself mid-test.
 */
import assert from "node:assert/strict";
import { installedAgentCli, installedVersion, SCRIPTED_RESULT } from "./helpers/model_script.ts";
import { auggieSession, startAuggieModel } from "./helpers/model_server_auggie.ts";
import {
  assertVisibleApiFailure,
  assignOneRound,
  realCliTown,
} from "./fixtures/real_cli_town_gca.ts";
import type { ModelServer } from "./helpers/model_script.ts";

const AUGGIE = installedAgentCli("auggie", "@augmentcode/auggie");
const VERSION = installedVersion("@augmentcode/auggie");

/**
 * The preset's command line (tt adds `--instruction-file <round prompt>`), written out so the
 * test fails if the preset drifts from what the real CLI was shown to need.
 */
const AUGGIE_COMMAND = "auggie --print --shell sh";

function auggieTown(model: ModelServer) {
  return realCliTown({
    cli: "auggie",
    command: AUGGIE_COMMAND,
    env: () => ({
      AUGMENT_SESSION_AUTH: auggieSession(model),
      AUGMENT_DISABLE_AUTO_UPDATE: "1",
    }),
  });
}

Deno.test({
  name: `real auggie ${VERSION}: tt spawn + tt assign; the scripted model's shell call ` +
    "completes the task (local endpoint, full round)",
  ignore: AUGGIE === undefined,
  fn: async () => {
    await using model = await startAuggieModel();
    const town = await auggieTown(model);
    try {
      const round = await assignOneRound(town, "auggie");
      console.error(`auggie round: ${round.ms} ms`);
      assert.equal(round.task.state, "completed", round.log);
      assert.equal(round.task.assigned_to, round.agentId);
      assert.equal(round.task.result, SCRIPTED_RESULT);
      assert.equal(round.agent.tasks_completed, 1);

      const turns = model.requests.filter((r) => r.path === "/chat-stream");
      assert.ok(turns.length >= 2, `expected two model turns, got ${turns.length}`);
      // The first turn carried tt's prompt (read from --instruction-file) with the task's id ...
      assert.ok(turns[0].body.includes(`Task ID: ${round.taskId}`), "prompt reached the model");
      assert.equal(turns[0].headers.get("authorization"), "Bearer scripted-token");
      // ... and a later one the output of `tt task complete` run by auggie's own shell tool.
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
  name: `real auggie ${VERSION}: when the API answers HTTP 400 the round fails visibly ` +
    "(non-zero exit, the error in the round log) and the task stays open",
  ignore: AUGGIE === undefined,
  fn: async () => {
    await using model = await startAuggieModel("error");
    const town = await auggieTown(model);
    try {
      // One round only: what tt does after failed rounds is tested with scripted CLIs.
      const round = await assignOneRound(town, "auggie", { spawnArgs: ["--max-rounds", "1"] });
      console.error(`auggie failed round: ${round.ms} ms`);
      assertVisibleApiFailure(
        round,
        model.requests.filter((r) => r.path === "/chat-stream"),
        /400 Bad Request/,
      );
    } finally {
      await town.done();
    }
  },
});
