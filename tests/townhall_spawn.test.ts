/**
 * Spawn and restart over REST start the real agent loop, as `tt spawn` and `tt restart` do: a
 * scripted agent CLI (tests/fixtures/agent_probe.ts) spawned with `POST /v1/agents` completes a
 * task assigned with `POST /v1/tasks/assign`; after a REST kill and restart it completes
 * another one.
 */
import assert from "node:assert/strict";
import * as tasks from "../src/service/tasks.ts";
import { contextOf } from "../src/lib/context.ts";
import { eventually, libTown, probeCli } from "./helpers/lib_town.ts";
import { restHarness } from "./helpers/townhall.ts";

Deno.test("POST /v1/agents runs the loop: an assigned task completes; kill + restart run it again", async () => {
  await using t = await libTown();
  const town = await t.init(undefined, { agentClis: { probe: probeCli("--complete") } });
  const h = await restHarness(town);
  const spawned = await h.call("POST", "/v1/agents", {
    json: { name: "worker", cli: "probe", role_id: "backend", max_rounds: 20 },
  });
  assert.equal(spawned.status, 201, spawned.text);
  assert.deepEqual(
    [spawned.body.name, spawned.body.cli, spawned.body.role_id, spawned.body.nickname],
    ["worker", "probe", "backend", null],
  );
  const first = await h.call("POST", "/v1/tasks/assign", {
    json: { agent: "worker", task: "first" },
  });
  assert.equal(first.status, 201);
  await eventually(
    "the first task to complete",
    async () => (await tasks.get(contextOf(town), first.body.task_id)).state === "completed",
  );
  const status = await h.call("GET", "/v1/status");
  assert.equal(status.body.agents[0].tasks_completed, 1);

  assert.equal((await h.call("POST", "/v1/agents/worker/kill")).status, 200);
  assert.equal((await h.call("GET", "/v1/agents")).body.agents[0].state, "Stopped");
  // restart waits for the old loop to end, then starts a new one with the same id.
  const restarted = await h.call("POST", "/v1/agents/worker/restart", { json: { max_rounds: 20 } });
  assert.deepEqual([restarted.status, restarted.body], [200, {
    agent: "worker",
    status: "restarted",
  }]);
  const second = await h.call("POST", "/v1/tasks/assign", {
    json: { agent: "worker", task: "second" },
  });
  await eventually(
    "the second task to complete",
    async () => (await tasks.get(contextOf(town), second.body.task_id)).state === "completed",
  );
  await h.call("POST", "/v1/agents/worker/kill");
  // The spawn of an unknown CLI is refused before anything is made.
  const bad = await h.call("POST", "/v1/agents", {
    json: { name: "nobody", cli: "no-such-cli-xyz" },
  });
  assert.equal(bad.status, 400, bad.text);
  assert.equal((await h.call("GET", "/v1/agents")).body.count, 1);
});
