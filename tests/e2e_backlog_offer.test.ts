/** An idle agent is offered role-matching backlog work once per change of the backlog. */
import assert from "node:assert/strict";
import { agentTown, holdsFor, probeRecords, spawn, waitForRounds } from "./fixtures/agent_town.ts";

Deno.test("an idle agent gets one round per backlog change, not one per idle pass", async () => {
  const town = await agentTown();
  try {
    await spawn(town, "docs-writer", "probe");
    await town.ok("backlog", "add", "Write the README", "--tags", "docs");
    const [first] = await waitForRounds(town, "docs-writer", 1);
    assert.match(JSON.stringify(first), /backlog/i);
    // Nothing changed: the idle loop must not run the CLI again (it checks every second).
    await holdsFor(
      "one round",
      async () => (await probeRecords(town, "docs-writer")).length === 1,
      2500,
    );
    await town.ok("backlog", "add", "Document the API", "--tags", "docs");
    await waitForRounds(town, "docs-writer", 2);
  } finally {
    await town.done();
  }
});
