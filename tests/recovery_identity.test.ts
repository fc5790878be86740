/**
 * Messages belong to an agent id, not a name: after an agent is stopped and a new agent takes
 * its name, messages meant for the old one (inbox, urgent, in flight) are never handled by the
 * new one — a stray copy in the new inbox goes to the dead letters — until `tt reclaim --to`
 * re-addresses them. Listing them with `tt reclaim` consumes nothing.
 */
import assert from "node:assert/strict";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { encodeMessage, newMessage } from "../src/model/message.ts";
import { chaosTown, processAlive, readLines, shCli, waitFor } from "./fixtures/chaos_town.ts";

Deno.test("a stale message to an old agent id never reaches a new agent of the same name", async () => {
  const town = await chaosTown();
  try {
    const record = `${town.dir}/handled.txt`;
    const cli = shCli("chaos_record.sh", record, "0");
    const old = JSON.parse(await town.ok("spawn", "w", "--cli", cli, "--json"));
    await town.ok("kill", "w");
    await waitFor("the old loop to exit", () => !processAlive(old.pid));

    await town.ok("send", "w", "chaos-msg-1"); // only the stopped agent has the name: it waits
    await town.ok("send", old.id, "--urgent", "chaos-msg-2");
    const inflight = newMessage(SUPERVISOR_ID, old.id, {
      type: "task",
      description: "chaos-msg-3",
    });
    await town.redis.rpush(town.store.keys.inflight(old.id), encodeMessage(inflight));

    const fresh = JSON.parse(await town.ok("spawn", "w", "--cli", cli, "--json"));
    assert.notEqual(fresh.id, old.id);
    // A copy addressed to the old id that ended up in the new inbox must not be acted on.
    const stray = newMessage(SUPERVISOR_ID, old.id, { type: "task", description: "chaos-msg-4" });
    await town.redis.rpush(town.store.keys.inbox(fresh.id), encodeMessage(stray));
    await town.ok("send", "w", "chaos-msg-10"); // the name now means the live agent

    await waitFor(
      "the new agent to handle its own message",
      async () => (await readLines(record)).includes("chaos-msg-10"),
    );
    await waitFor(
      "the stray copy to reach the dead letters",
      async () => (await town.store.mailbox.deadLetters()).length === 1,
    );
    const [letter] = await town.store.mailbox.deadLetters();
    assert.equal(letter.agent_id, fresh.id);
    assert.match(letter.reason, new RegExp(`addressed to ${old.id}`));
    const count = async () =>
      (await town.redis.llen(town.store.keys.inbox(old.id))) +
      (await town.redis.llen(town.store.keys.urgent(old.id))) +
      (await town.redis.llen(town.store.keys.inflight(old.id)));
    assert.equal(await count(), 3, "the old agent's messages are untouched");

    const listed = JSON.parse(await town.ok("reclaim", "--json"));
    assert.equal(listed.mode, "list");
    assert.deepEqual(
      listed.agents[0].messages.map((m: { summary: string; source: string }) =>
        `${m.source} ${m.summary}`
      ),
      ["urgent chaos-msg-2", "inflight chaos-msg-3", "inbox chaos-msg-1"],
    );
    assert.equal(await count(), 3, "listing consumes nothing");
    assert.deepEqual(await readLines(record), ["chaos-msg-10"], "nothing else was handled");

    const moved = JSON.parse(await town.ok("reclaim", "--to", "w", "--json"));
    assert.equal(moved.to, fresh.id);
    assert.equal(moved.moved, 3);
    assert.equal(await count(), 0);
    await waitFor("the new agent to handle the reclaimed messages", async () => {
      const handled = new Set(await readLines(record));
      return ["chaos-msg-1", "chaos-msg-2", "chaos-msg-3"].every((m) => handled.has(m));
    });
    assert.ok(!(await readLines(record)).includes("chaos-msg-4"), "the stray copy never ran");
  } finally {
    await town.done();
  }
});
