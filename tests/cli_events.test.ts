/**
 * End-to-end tests of `tt history` and `tt events` (including `--follow`): events emitted by
 * the real send/assign/task commands, read back through tt (in process; a follower is a real
 * process, stopped with a signal).
 */
import assert from "node:assert/strict";
import { newEvent } from "../src/model/event.ts";
import { waitFor, withTown } from "./helpers/kit.ts";
import { ttCommand } from "./helpers/tt.ts";

const ENV_CLEAR = { TINYTOWN_AGENT_ID: "", TINYTOWN_AGENT_NAME: "" };

/** A follower is a process of its own: give it longer than the kit's default wait. */
function waitLong(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  return waitFor(what, check, 15_000);
}

// ---------------------------------------------------------------------------------------------
// Helpers

const EVENT_LINE =
  /^\d\d:\d\d:\d\d \[([a-z_]+)\] (town|agent:[0-9a-f-]{36}|mission:[0-9a-f-]{36}) — (.*)$/;

/** tt runs in process; the --follow tests start the follower as a process of its own (signals). */
const IN_PROCESS = { inProcess: true };

function lines(out: string): string[] {
  return out.split("\n").filter((l) => l !== "");
}

// ---------------------------------------------------------------------------------------------
// tt history

Deno.test("history: events of send, assign, complete and fail, labelled, oldest first", async () => {
  await withTown(async ({ ok, agent }) => {
    assert.equal(await ok(["history"]), "No events recorded yet.\n");
    await agent("backend");
    await agent("reviewer");
    await ok(["send", "backend", "Hello there"]);
    const t1 = JSON.parse(await ok(["assign", "backend", "Build it", "--json"])).task_id;
    const t2 = JSON.parse(await ok(["assign", "reviewer", "Review it", "--json"])).task_id;
    await ok(["task", "complete", t1, "--result", "built"]);
    await ok(["task", "fail", t2, "--reason", "no time"]);

    const out = await ok(["history"]);
    assert.match(out, /^Recent History \(5 events\):\n\n/);
    const rows = lines(out).slice(1);
    assert.equal(rows.length, 5);
    assert.match(
      rows[0],
      /^ {2}\d\d:\d\d:\d\d 📨 \*.+ \[backend\]\* task message from conductor: Hello there$/,
    );
    assert.match(rows[1], /📌 \*.+ \[backend\]\* Task [0-9a-f]{4} assigned: Build it$/);
    assert.match(rows[2], /📌 \*.+ \[reviewer\]\* Task [0-9a-f]{4} assigned: Review it$/);
    assert.match(rows[3], /✅ \*.+ \[backend\]\* Task [0-9a-f]{4} completed: built$/);
    assert.match(rows[4], /❌ \*.+ \[reviewer\]\* Task [0-9a-f]{4} failed: no time$/);

    const mine = await ok(["history", "--agent", "reviewer"]);
    assert.match(mine, /\(5 events\)/); // the count is taken before filtering, as tinytown does
    assert.equal(lines(mine).length, 3);
    assert.doesNotMatch(mine, /\[backend\]/);

    const last2 = JSON.parse(await ok(["history", "-n", "2", "--json"]));
    assert.equal(last2.total, 2);
    assert.deepEqual(last2.events.map((e: { event_type: string }) => e.event_type), [
      "task_completed",
      "task_failed",
    ]);
    assert.equal(last2.events[0].task_id, t1);
    assert.match(last2.events[0].who, /\[backend\]$/);
  }, IN_PROCESS);
});

Deno.test("history: long messages are cut at 80 characters; bad options and agents fail", async () => {
  await withTown(async ({ ok, tt, agent, store }) => {
    const a = await agent("backend");
    await store.events.emit(newEvent("agent_state_changed", "z".repeat(100), { agentId: a.id }));
    await store.events.emit(newEvent("mission_event", "no agent here"));
    const out = await ok(["history"]);
    assert.match(out, new RegExp(`🔄 \\*.+\\* ${"z".repeat(80)}\\.\\.\\.\n`));
    assert.match(out, /\*system\* no agent here/);
    assert.equal((await tt(["history", "-n", "0"])).code, 2);
    assert.equal((await tt(["history", "-n", "x"])).code, 2);
    const r = await tt(["history", "--agent", "ghost"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: agent not found: ghost\n$/);
  }, IN_PROCESS);
});

// ---------------------------------------------------------------------------------------------
// tt events

Deno.test("events: the most recent N, bare lines, agent streams, JSON Lines", async () => {
  await withTown(async ({ ok, tt, agent, store }) => {
    assert.match(await ok(["events"]), /No events found/);
    const a = await agent("backend");
    await agent("reviewer");
    for (let i = 1; i <= 5; i++) await ok(["send", "backend", `message ${i}`]);
    await ok(["send", "reviewer", "for the reviewer"]);
    await store.events.emit(newEvent("mission_event", "town-wide note"));

    const recent = lines(await ok(["events", "-c", "3"]));
    assert.equal(recent.length, 3);
    const parsed = recent.map((l) => l.match(EVENT_LINE));
    assert.ok(parsed.every((m) => m !== null), recent.join("\n"));
    assert.match(recent[0], new RegExp(`\\[message_sent\\] agent:${a.id} — .*message 5$`));
    assert.match(recent[1], /for the reviewer$/);
    assert.match(recent[2], /\[mission_event\] town — town-wide note$/);

    const own = lines(await ok(["events", "--agent", "backend"]));
    assert.deepEqual(
      own.map((l) => l.replace(/^.* — /, "")),
      [1, 2, 3, 4, 5].map((i) => `task message from conductor: message ${i}`),
    );

    const jsonl = lines(await ok(["events", "-c", "2", "--json"])).map((l) => JSON.parse(l));
    assert.equal(jsonl.length, 2);
    assert.equal(jsonl[0].event_type, "message_sent");
    assert.match(jsonl[0].stream_id, /^\d+-\d+$/);
    assert.equal(jsonl[1].agent_id, undefined); // absent optional fields are omitted

    assert.equal(
      await ok(["events", "--agent", "reviewer", "-c", "0"]),
      "No events found. Events are emitted on state transitions.\n",
    );
    const r = await tt(["events", "--agent", "ghost"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: agent not found: ghost\n$/);
    assert.equal((await tt(["events", "--mission", "nope"])).code, 1);
    assert.match(await ok(["events", "--mission", crypto.randomUUID()]), /No events found/);
  }, IN_PROCESS);
});

/** Reads a child's stdout in the background, so the test can wait for a line to appear. */
function collect(stream: ReadableStream<Uint8Array>): { text(): string; done: Promise<void> } {
  let text = "";
  const done = stream.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (text += chunk) }),
  );
  return { text: () => text, done };
}

Deno.test("events --follow prints new events once each and exits 0 on SIGTERM", async () => {
  await withTown(async ({ ok, town, agent }) => {
    await agent("backend");
    await ok(["send", "backend", "before the follower"]);
    const [cmd, ...pre] = ttCommand();
    const child = new Deno.Command(cmd, {
      args: [...pre, "--town", town.dir, "events", "--follow", "-c", "5"],
      env: { ...town.env, ...ENV_CLEAR, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = collect(child.stdout);
    const err = collect(child.stderr);
    try {
      // The old event is printed first; after it, the follower is past its initial read.
      await waitLong("the existing event", () => out.text().includes("before the follower"));
      await ok(["send", "backend", "after the follower"]);
      await ok(["send", "backend", "and one more"]);
      await waitLong("the new events", () => out.text().includes("and one more"));
    } finally {
      child.kill("SIGTERM");
    }
    const status = await child.status;
    await Promise.all([out.done, err.done]);
    assert.equal(
      status.code,
      0,
      `follower exited ${status.code} (${status.signal}): ${err.text()}`,
    );
    assert.equal(err.text(), "");
    const printed = lines(out.text());
    assert.deepEqual(printed.map((l) => l.replace(/^.* — /, "")), [
      "task message from conductor: before the follower",
      "task message from conductor: after the follower",
      "task message from conductor: and one more",
    ]);
    assert.ok(printed.every((l) => EVENT_LINE.test(l)));
  }, IN_PROCESS);
});

Deno.test("events --follow --json on an empty agent stream, stopped with SIGINT", async () => {
  await withTown(async ({ ok, town, agent, store }) => {
    await agent("backend");
    const [cmd, ...pre] = ttCommand();
    const child = new Deno.Command(cmd, {
      args: [...pre, "--town", town.dir, "events", "-f", "--json", "--agent", "backend"],
      env: { ...town.env, ...ENV_CLEAR },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = collect(child.stdout);
    const err = collect(child.stderr);
    try {
      // Nothing is printed first; the follower is ready once Redis shows its blocked XREAD.
      await waitLong("the follower's XREAD", async () => {
        const clients = await store.redis.command(["CLIENT", "LIST"]) as string;
        return /cmd=xread/.test(clients);
      });
      await ok(["send", "backend", "ping"]);
      await waitLong("the followed event", () => out.text().includes("\n"));
    } finally {
      child.kill("SIGINT");
    }
    const status = await child.status;
    await Promise.all([out.done, err.done]);
    assert.equal(status.code, 0, err.text());
    const first = JSON.parse(lines(out.text())[0]);
    assert.equal(first.event_type, "message_sent");
    assert.match(first.message, /: ping$/);
    assert.equal(lines(out.text()).length, 1);
  }, IN_PROCESS);
});
