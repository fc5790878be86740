/** Every state change of a round reaches the event stream: working, handled, back to idle. */
import assert from "node:assert/strict";
import { agentTown, spawn, waitFor, waitForRounds } from "./fixtures/agent_town.ts";

Deno.test("a round emits working, message_handled and idle events; spawn and send too", async () => {
  const town = await agentTown();
  try {
    const { id } = await spawn(town, "evt", "probe");
    await town.ok("assign", "evt", "Write the changelog");
    await waitForRounds(town, "evt", 1);
    const events = await waitFor("the round's events", async () => {
      const lines = (await town.ok("events", "--agent", "evt", "-c", "50", "--json"))
        .trim().split("\n").map((l) => JSON.parse(l));
      const types = lines.map((e) => `${e.event_type}:${e.new_state ?? ""}`);
      return types.includes("agent_state_changed:Idle") &&
          types.includes("message_handled:") &&
          types.lastIndexOf("agent_state_changed:Idle") > types.indexOf("message_handled:")
        ? lines
        : undefined;
    });
    const types = events.map((e) => e.event_type);
    for (
      const t of [
        "agent_spawned",
        "task_assigned",
        "task_started",
        "agent_state_changed",
        "message_handled",
      ]
    ) {
      assert.ok(types.includes(t), `${t} in ${types.join(", ")}`);
    }
    const working = events.findIndex((e) =>
      e.event_type === "agent_state_changed" && e.new_state === "Working"
    );
    const handled = events.findIndex((e) => e.event_type === "message_handled");
    assert.ok(working >= 0 && working < handled, "working comes before handled");
    // The agent's own stream holds only its events.
    assert.ok(
      events.every((e) => e.agent_id === id),
      JSON.stringify(events.map((e) => e.agent_id)),
    );
  } finally {
    await town.done();
  }
});
