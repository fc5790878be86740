/**
 * End-to-end tests of `tt send` and `tt inbox`: the real tt in a temp town, with agents
 * written straight into the store (spawning is not what is tested here) and the stored
 * messages read back from Redis.
 */
import assert from "node:assert/strict";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { newMessage } from "../src/model/message.ts";
import type { Store } from "../src/store/store.ts";
import type { TtResult } from "./helpers/tt.ts";
import { withStoreTown } from "./helpers/store_town.ts";

// ---------------------------------------------------------------------------------------------
// Helpers

function assertOk(r: TtResult): string {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** One-line error on stderr, nothing on stdout, exit `code`. */
function assertOneLineError(r: TtResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line expected:\n${r.stderr}`);
  assert.match(lines[0], pattern);
}

async function inbox(store: Store, id: string): Promise<Record<string, unknown>[]> {
  return (await store.redis.lrange(store.keys.inbox(id), 0, -1)).map((s) => JSON.parse(s));
}

// ---------------------------------------------------------------------------------------------
// tt send

Deno.test("send: every kind is stored in tinytown's JSON layout, normal priority, RPUSH", async () => {
  await withStoreTown(async ({ tt, agent, store }) => {
    const backend = await agent("backend");
    assert.match(
      assertOk(await tt(["send", "backend", "Fix the bug"])),
      /^Sent task message to 'backend'\n$/,
    );
    assert.match(
      assertOk(await tt(["send", "backend", "Which scope?", "--query"])),
      /Sent query message/,
    );
    assert.match(
      assertOk(await tt(["send", "backend", "CI is green", "--info"])),
      /Sent informational message/,
    );
    assert.match(
      assertOk(await tt(["send", "backend", "Rejected: missing tests", "--ack"])),
      /Sent confirmation message/,
    );
    assertOk(await tt(["send", "backend", "thanks a lot", "--ack"]));

    const stored = await inbox(store, backend.id);
    assert.equal(stored.length, 5);
    // Field order is part of the format (tinytown's serde order, type flattened in).
    assert.deepEqual(Object.keys(stored[0]), [
      "id",
      "from",
      "to",
      "type",
      "description",
      "priority",
      "created_at",
      "correlation_id",
    ]);
    for (const m of stored) {
      assert.equal(m.from, SUPERVISOR_ID);
      assert.equal(m.to, backend.id);
      assert.equal(m.priority, "normal");
      assert.equal(m.correlation_id, null);
      assert.match(m.created_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    }
    assert.deepEqual(stored.map((m) => m.type), [
      "task",
      "query",
      "informational",
      "confirmation",
      "confirmation",
    ]);
    assert.equal(stored[0].description, "Fix the bug");
    assert.equal(stored[1].question, "Which scope?");
    assert.equal(stored[2].summary, "CI is green");
    assert.deepEqual(stored[3].ack_type, { type: "rejected", reason: "missing tests" });
    assert.deepEqual(stored[4].ack_type, { type: "thanks" });
    assert.equal(await store.redis.llen(store.keys.urgent(backend.id)), 0);
  });
});

Deno.test("send --urgent goes to the front of the urgent list, not the inbox", async () => {
  await withStoreTown(async ({ tt, agent, store }) => {
    const a = await agent("backend");
    assertOk(await tt(["send", "backend", "first", "--urgent"]));
    const out = assertOk(await tt(["send", "backend", "second", "--urgent", "--info", "--json"]));
    const data = JSON.parse(out);
    assert.equal(data.urgent, true);
    assert.equal(data.type, "informational");
    assert.equal(data.to, a.id);
    assert.equal(await store.redis.llen(store.keys.inbox(a.id)), 0);
    const urgent = (await store.redis.lrange(store.keys.urgent(a.id), 0, -1)).map((s) =>
      JSON.parse(s)
    );
    assert.deepEqual(urgent.map((m) => m.summary ?? m.description), ["second", "first"]);
    assert.equal(urgent[0].priority, "normal");
    assert.match(
      assertOk(await tt(["send", "backend", "x", "--urgent"])),
      /^Sent URGENT task message to 'backend'/,
    );
  });
});

Deno.test("send: the sender is --from, else TINYTOWN_AGENT_ID, else TINYTOWN_AGENT_NAME, else the conductor", async () => {
  await withStoreTown(async ({ tt, agent, store }) => {
    const backend = await agent("backend");
    const reviewer = await agent("reviewer");
    const out = assertOk(
      await tt(["send", "backend", "env id"], { TINYTOWN_AGENT_ID: reviewer.id }),
    );
    assert.equal(out, `Sent task message to 'backend' (from ${reviewer.id})\n`);
    assertOk(await tt(["send", "backend", "env name"], { TINYTOWN_AGENT_NAME: "reviewer" }));
    assertOk(await tt(["send", "backend", "flag"], { TINYTOWN_AGENT_ID: backend.id })); // itself
    assertOk(
      await tt(["send", "backend", "from flag", "--from", "reviewer"], {
        TINYTOWN_AGENT_ID: backend.id,
      }),
    );
    assertOk(
      await tt(["send", "conductor", "to the conductor"], { TINYTOWN_AGENT_ID: "not-a-uuid" }),
    );
    const unknown = assertOk(
      await tt(["send", "backend", "stale name"], { TINYTOWN_AGENT_NAME: "ghost" }),
    );
    assert.doesNotMatch(unknown, /\(from/);

    const froms = (await inbox(store, backend.id)).map((m) => [m.description, m.from]);
    assert.deepEqual(froms, [
      ["env id", reviewer.id],
      ["env name", reviewer.id],
      ["flag", backend.id],
      ["from flag", reviewer.id],
      ["stale name", SUPERVISOR_ID],
    ]);
    const conductor = await inbox(store, SUPERVISOR_ID);
    assert.equal(conductor.length, 1);
    assert.equal(conductor[0].from, SUPERVISOR_ID); // an unparsable id is ignored
    assert.equal(conductor[0].to, SUPERVISOR_ID);

    assertOneLineError(
      await tt(["send", "backend", "x", "--from", "ghost"]),
      1,
      /agent not found: ghost/,
    );
  });
});

Deno.test("send: unknown or hostile recipients fail with one line, exit 1, nothing stored", async () => {
  await withStoreTown(async ({ tt, agent, store, town }) => {
    await agent("backend");
    assertOneLineError(await tt(["send", "ghost", "hello"]), 1, /agent not found: ghost/);
    const hostile = await tt(["send", "x;$(touch pwned)`id`", "hello"]);
    assertOneLineError(hostile, 1, /agent not found/);
    assert.equal(await Deno.stat(`${town.dir}/pwned`).then(() => true, () => false), false);
    assert.deepEqual(await store.redis.scanAll(store.keys.kindPattern("inbox")), []);
    assert.deepEqual(await store.redis.scanAll(store.keys.kindPattern("urgent")), []);
  });
});

Deno.test("send: --query/--info/--ack conflict (exit 2); missing arguments exit 2", async () => {
  await withStoreTown(async ({ tt, agent }) => {
    await agent("backend");
    const r = await tt(["send", "backend", "x", "--query", "--ack"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot be used with/);
    assert.equal((await tt(["send", "backend"])).code, 2);
    assert.match(assertOk(await tt(["send", "--help"])), /--urgent/);
  });
});

Deno.test("send: a 5 MiB message from stdin round-trips; over 64 MiB is refused with one line", async () => {
  await withStoreTown(async ({ tt, agent, store }) => {
    const a = await agent("backend");
    const line = "0123456789abcdef ünïcødé ✓\n";
    const big = line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)).trimEnd();
    assert.ok(new TextEncoder().encode(big).length > 5 * 1024 * 1024);
    const out = assertOk(await tt(["send", "backend", "-"], {}, big + "\n"));
    assert.match(out, /Sent task message to 'backend'/);
    const [stored] = await inbox(store, a.id);
    assert.equal(stored.description, big);

    const huge = "x".repeat(64 * 1024 * 1024 + 1);
    assertOneLineError(await tt(["send", "backend", "-"], {}, huge), 1, /too large/);
    assert.equal(await store.redis.llen(store.keys.inbox(a.id)), 1);
  });
});

// ---------------------------------------------------------------------------------------------
// tt inbox

Deno.test("inbox AGENT: counts per category, previews, urgent and in-flight extras, --json", async () => {
  await withStoreTown(async ({ tt, agent, store }) => {
    await agent("backend");
    assertOk(await tt(["send", "backend", "Fix the bug"]));
    assertOk(await tt(["send", "backend", "Which scope?", "--query"]));
    assertOk(await tt(["send", "backend", "CI is green", "--info"]));
    assertOk(await tt(["send", "backend", "received", "--ack"]));
    assertOk(await tt(["send", "backend", "hurry", "--urgent"]));
    assertOk(await tt(["assign", "backend", "Implement login\nsecond line"]));

    const out = assertOk(await tt(["inbox", "backend"]));
    assert.match(out, /^Inbox for 'backend' \(.+ \[backend\]\): 5 messages$/m);
    assert.match(out, /\[T\] 2 tasks {2}\[Q\] 1 query {2}\[I\] 1 info {2}\[C\] 1 ack/);
    assert.match(out, /also: 1 urgent/);
    assert.match(out, /^ {2}\[T\] Fix the bug$/m);
    assert.match(out, /^ {2}\[Q\] question: Which scope\?$/m);
    assert.match(out, /^ {2}\[I\] CI is green$/m);
    assert.match(out, /^ {2}\[C\] received$/m);
    assert.match(out, /^ {2}\[T\] task [0-9a-f-]{36}: Implement login$/m);

    const data = JSON.parse(assertOk(await tt(["inbox", "backend", "--json"])));
    assert.equal(data.total, 5);
    assert.equal(data.urgent, 1);
    assert.deepEqual(data.counts, { tasks: 2, queries: 1, informational: 1, confirmations: 1 });
    assert.equal(data.previews.length, 5);
    assert.equal(data.previews[0].type, "task");

    // Read-only: nothing was consumed.
    const b = await store.agents.resolve("backend");
    assert.equal(await store.redis.llen(store.keys.inbox(b.id)), 5);
  });
});

Deno.test("inbox: long inboxes show 10 previews cut to 120 characters, then '…plus N more'", async () => {
  await withStoreTown(async ({ agent, store, tt }) => {
    const a = await agent("backend");
    for (let i = 0; i < 12; i++) {
      await store.mailbox.send(
        newMessage(SUPERVISOR_ID, a.id, { type: "task", description: `${i} ${"y".repeat(200)}` }),
      );
    }
    const out = assertOk(await tt(["inbox", "backend"]));
    const previews = out.split("\n").filter((l) => l.startsWith("  [T] ") && l.includes("yyy"));
    assert.equal(previews.length, 10);
    assert.equal(Array.from(previews[0].slice("  [T] ".length)).length, 120);
    assert.ok(previews[0].endsWith("..."));
    assert.match(out, /…plus 2 more/);
  });
});

Deno.test("inbox --all lists non-empty mailboxes with the conductor's; no args prints usage", async () => {
  await withStoreTown(async ({ tt, agent }) => {
    await agent("backend");
    await agent("idle-one");
    assert.match(assertOk(await tt(["inbox", "--all"])), /No pending messages/);
    assertOk(await tt(["send", "backend", "Do it"]));
    assertOk(await tt(["send", "backend", "FYI", "--info"]));
    assertOk(await tt(["send", "conductor", "Which way?", "--query"]));
    const out = assertOk(await tt(["inbox", "--all"]));
    assert.match(out, /\[backend\] \(Idle\)/);
    assert.doesNotMatch(out, /idle-one/);
    assert.match(out, /supervisor\/conductor \(well-known mailbox\)/);
    assert.match(out, /• \[T\] Do it/);
    assert.doesNotMatch(out, /• \[I\] FYI/); // only actionable previews when there are some
    assert.match(out, /…plus 1 more message/);
    assert.match(out, /Total: 2 actionable messages/);

    const usage = await tt(["inbox"]);
    assert.equal(usage.code, 0);
    assert.match(usage.stdout, /Usage: tt inbox <agent>/);
  });
});

Deno.test("inbox: conductor mailbox, default agent from TINYTOWN_AGENT_ID, unknown agent", async () => {
  await withStoreTown(async ({ tt, agent }) => {
    const a = await agent("backend");
    assertOk(await tt(["send", "conductor", "status?", "--query", "--from", "backend"]));
    assert.match(assertOk(await tt(["inbox", "conductor"])), /well-known mailbox.*: 1 message\n/);
    assertOk(await tt(["send", "backend", "hello"]));
    const own = assertOk(await tt(["inbox"], { TINYTOWN_AGENT_ID: a.id }));
    assert.match(own, /^Inbox for '[0-9a-f-]{36}' .*: 1 message$/m);
    assert.match(own, /\[T\] hello/);
    assertOneLineError(await tt(["inbox", "ghost"]), 1, /agent not found: ghost/);
  });
});

Deno.test("inbox --dead lists dead letters with reason and a preview of the raw text", async () => {
  await withStoreTown(async ({ tt, agent, store }) => {
    const a = await agent("backend");
    const b = await agent("other");
    assert.match(assertOk(await tt(["inbox", "--dead"])), /No dead letters/);
    await store.mailbox.addDeadLetters(a.id, [
      { raw: "{not json at all", reason: "message is not valid JSON", urgent: false },
    ]);
    await store.mailbox.addDeadLetters(b.id, [
      { raw: "garbage for other", reason: "unknown message type 'x'", urgent: true },
    ]);
    const out = assertOk(await tt(["inbox", "--dead"]));
    assert.match(out, /Dead letters \(2/);
    assert.match(out, /\[backend\]: message is not valid JSON\n {4}\{not json at all/);
    const only = JSON.parse(assertOk(await tt(["inbox", "backend", "--dead", "--json"])));
    assert.equal(only.length, 1);
    assert.equal(only[0].agent_id, a.id);
    assert.equal(only[0].preview, "{not json at all");
  });
});
