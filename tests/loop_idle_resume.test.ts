/**
 * Review: the idle timeout after `tt resume`. Resuming is activity: an agent paused for longer
 * than `idle_timeout_secs` must get a fresh idle period, not stop at its first empty poll.
 */
import assert from "node:assert/strict";
import { chaosTown, waitFor } from "./fixtures/chaos_town.ts";

Deno.test("resume after a long pause: the idle clock starts again", async () => {
  const town = await chaosTown({ config: { idle_timeout_secs: 10 } });
  try {
    const { id } = JSON.parse(await town.ok("spawn", "bob", "--cli", "true", "--json")) as {
      id: string;
    };
    await waitFor(
      "bob to be idle",
      async () => (await town.store.agents.get(id))?.state === "idle",
    );
    await town.ok("interrupt", "bob");
    // Paused for longer than the idle timeout.
    await waitFor("bob's last activity to be 11 s old", async () => {
      const a = await town.store.agents.get(id);
      return a !== undefined && Date.now() - a.lastActiveAt.getTime() > 11_000;
    }, 30_000);
    assert.equal((await town.store.agents.get(id))?.state, "paused");

    await town.ok("resume", "bob");
    const resumedAt = Date.now();
    // Watch 5 s (half the 10 s timeout, so a slow machine has margin): bob stays idle.
    while (Date.now() - resumedAt < 5000) {
      const state = (await town.store.agents.get(id))?.state;
      assert.equal(state, "idle", `${Date.now() - resumedAt} ms after resume bob is ${state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // And the idle timeout still fires afterwards.
    await waitFor(
      "bob to idle out",
      async () => (await town.store.agents.get(id))?.state === "cold",
    );
  } finally {
    await town.done();
  }
});
