/**
 * Agents end to end, messages side: real redis-server, real `tt` subprocesses, real agent-loop
 * processes, and the probe agent CLI (tests/fixtures/agent_probe.ts) that records each round's
 * prompt. Lifecycle commands (close, kill, wait, restart, prune, max_agents) are in
 * e2e_agents_lifecycle.test.ts so the two files can run in parallel.
 */
import assert from "node:assert/strict";
import { encodeMessage, newMessage } from "../src/model/message.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { runTt } from "./helpers/tt.ts";
import {
  agentStatus,
  agentTown,
  exists,
  holdsFor,
  probeRecords,
  processAlive,
  spawn,
  waitFor,
  waitForRounds,
  waitForState,
} from "./fixtures/agent_town.ts";

Deno.test("a paused agent takes no messages; after resume the urgent one is listed first", async () => {
  const town = await agentTown();
  try {
    await spawn(town, "alice", "probe");
    await waitForState(town, "alice", "idle");
    await town.ok("interrupt", "alice");
    assert.equal((await agentStatus(town, "alice")).state, "paused");

    await town.ok("send", "alice", "regular: write the docs");
    await town.ok("send", "alice", "--urgent", "urgent: fix the build");
    // Nothing to wait for when the point is that nothing happens: watch for a while instead.
    await holdsFor("alice to stay paused with both messages unhandled", async () => {
      const a = await agentStatus(town, "alice");
      return a.state === "paused" && a.rounds_completed === 0 &&
        a.inbox + a.urgent + a.in_flight === 2 && (await probeRecords(town, "alice")).length === 0;
    }, 2500);
    assert.equal(await exists(`${town.dir}/.tt/agents/alice/round-1.prompt`), false);

    await town.ok("resume", "alice");
    const [record] = await waitForRounds(town, "alice", 1);
    assert.equal(record.actionable.length, 2, record.actionable.join("\n"));
    assert.match(record.actionable[0], /^1\. \[URGENT\] .*urgent: fix the build/);
    assert.match(record.actionable[1], /^2\. \[normal\] .*regular: write the docs/);
    const prompt = await Deno.readTextFile(`${town.dir}/.tt/agents/alice/round-1.prompt`);
    const urgentAt = prompt.indexOf("1. [URGENT]");
    assert.ok(urgentAt > 0 && urgentAt < prompt.indexOf("2. [normal]"), prompt);

    const after = await waitFor("alice idle after one round", async () => {
      const a = await agentStatus(town, "alice");
      return a.state === "idle" && a.rounds_completed === 1 ? a : undefined;
    });
    assert.equal(after.inbox + after.urgent + after.in_flight, 0);
  } finally {
    await town.done();
  }
});

Deno.test({
  name: "a paused agent leaves a new message in its inbox, not in flight",
  // The loop's idle wait (BLMOVE inbox -> in-flight) can take a message that arrives right
  // after `tt interrupt`; the paused branch puts it back, so the inbox shows it pending.
  fn: async () => {
    const town = await agentTown();
    try {
      await spawn(town, "paula", "probe");
      await waitForState(town, "paula", "idle");
      await town.ok("interrupt", "paula");
      await town.ok("send", "paula", "wait for me");
      await holdsFor("the message to stay in paula's inbox", async () => {
        const a = await agentStatus(town, "paula");
        return a.state === "paused" && a.inbox === 1 && a.in_flight === 0;
      }, 2500);
    } finally {
      await town.done();
    }
  },
});

Deno.test("info and acks are auto-handled without a CLI round; a query runs one", async () => {
  const town = await agentTown();
  try {
    await spawn(town, "bob", "probe");
    await waitForState(town, "bob", "idle");
    await town.ok("send", "bob", "--info", "fyi: the build is green");
    await town.ok("send", "bob", "--ack", "thanks");

    // They may arrive in one batch or two; together they are 1 informational + 1 confirmation.
    const handled = await waitFor("bob to auto-handle the info and the ack", async () => {
      const a = await agentStatus(town, "bob");
      let info = 0, acks = 0;
      for (const line of a.activity ?? []) {
        const m = /auto-handled (\d+) informational, (\d+) confirmations/.exec(line);
        if (m) [info, acks] = [info + Number(m[1]), acks + Number(m[2])];
      }
      return info === 1 && acks === 1 ? a : undefined;
    });
    assert.equal(handled.rounds_completed, 0);
    assert.equal(handled.inbox + handled.in_flight, 0);
    assert.deepEqual(await probeRecords(town, "bob"), []);
    assert.equal(await exists(`${town.dir}/.tt/agents/bob/round-1.prompt`), false);

    await town.ok("send", "bob", "--query", "is the API done?");
    const [record] = await waitForRounds(town, "bob", 1);
    assert.equal(record.actionable.length, 1);
    assert.match(record.actionable[0], /\[normal\] from conductor: question: is the API done\?/);
    await waitFor("bob to count the round", async () => {
      return (await agentStatus(town, "bob")).rounds_completed === 1;
    });
  } finally {
    await town.done();
  }
});

Deno.test("tt send run by an agent's CLI carries that agent's id as the sender", async () => {
  const town = await agentTown();
  try {
    // A receiver whose loop ends at once, so the message waits in its inbox for inspection.
    await spawn(town, "receiver", "probe", "--max-rounds", "0");
    await waitForState(town, "receiver", "stopped");
    const sender = await spawn(town, "sender", "sender");
    await town.ok("send", "sender", "greet the receiver");
    await waitFor("sender's round to finish", async () => {
      return (await agentStatus(town, "sender")).rounds_completed === 1;
    });
    const inbox = JSON.parse(await town.ok("inbox", "receiver", "--json")) as {
      total: number;
      previews: { from: string; type: string; text: string }[];
    };
    assert.equal(inbox.total, 1);
    assert.equal(inbox.previews[0].from, sender.id);
    assert.equal(inbox.previews[0].type, "task");
    assert.match(inbox.previews[0].text, /hello from sender/);
    assert.equal((await probeRecords(town, "sender"))[0].agent_id, sender.id);
  } finally {
    await town.done();
  }
});

Deno.test("a CLI that exits non-zero: the round counts, the work is put back and retried", async () => {
  const town = await agentTown();
  try {
    await spawn(town, "carol", "fail-once");
    await waitForState(town, "carol", "idle");
    const { task_id: taskId } = JSON.parse(
      await town.ok("assign", "carol", "flaky job", "--json"),
    ) as { task_id: string };

    const records = await waitForRounds(town, "carol", 2);
    assert.deepEqual(records.map((r) => r.task_ids), [[taskId], [taskId]]);
    const task = await waitFor("the task to be completed in round 2", async () => {
      const t = JSON.parse(await town.ok("task", "show", taskId, "--json")) as { state: string };
      return t.state === "completed" ? t : undefined;
    });
    assert.equal(task.state, "completed");
    const carol = await waitFor("carol to settle after round 2", async () => {
      const a = await agentStatus(town, "carol");
      return a.rounds_completed === 2 && a.state === "idle" ? a : undefined;
    });
    const activity = (carol.activity ?? []).join("\n");
    assert.match(activity, /Round 1: ⚠️ CLI error/);
    assert.match(activity, /Round 2: ✅ completed/);
    assert.equal(carol.inbox + carol.in_flight, 0);
    assert.equal(carol.tasks_completed, 1);
    assert.ok(carol.pid !== null && processAlive(carol.pid), "the loop goes on");
  } finally {
    await town.done();
  }
});

Deno.test("spawn refuses names with spaces or shell characters, creating nothing", async () => {
  const town = await agentTown();
  try {
    for (const name of ["bad name", "x;$(touch pwned)", "a$(id)", "semi;colon", "../up"]) {
      const r = await town.tt("spawn", name, "--cli", "probe");
      assert.equal(r.code, 1, `spawn ${JSON.stringify(name)}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /^error: agent name/);
    }
    assert.deepEqual(JSON.parse(await town.ok("list", "--json")), []);
    assert.equal(await exists(`${town.dir}/pwned`), false);
    const logs = [...Deno.readDirSync(`${town.dir}/.tt/logs`)].map((e) => e.name);
    assert.deepEqual(logs.filter((n) => n !== "redis.log"), []);
    assert.deepEqual([...Deno.readDirSync(`${town.dir}/.tt/agents`)], []);
  } finally {
    await town.done();
  }
});

Deno.test("a 5 MiB message and non-UTF-8 bytes do not break the loop", async () => {
  const town = await agentTown();
  let redis: RedisClient | undefined;
  try {
    const dave = await spawn(town, "dave", "probe");
    await waitForState(town, "dave", "idle");
    const big = "big message " + "x".repeat(5 * 1024 * 1024);
    const sent = await runTt(["--town", town.dir, "send", "dave", "-"], {
      env: town.env,
      stdin: big,
    });
    assert.equal(sent.code, 0, sent.stderr);

    const status = JSON.parse(await town.ok("status", "--json")) as {
      town: string;
      redis: { url: string };
    };
    redis = await RedisClient.connect(status.redis.url);
    const inbox = `tt:${status.town}:inbox:${dave.id}`;
    // Not a message at all (and not UTF-8): must end in the dead letters.
    await redis.rpush(inbox, new Uint8Array([0xff, 0xfe, 0x7b, 0x80, 0x22, 0xc3]));
    // A well-formed message whose text holds invalid UTF-8: readable, so it is handled.
    const valid = encodeMessage(newMessage("00000000-0000-0000-0000-000000000001", dave.id, {
      type: "task",
      description: "bytes:PLACEHOLDER",
    }));
    const [before, after] = valid.split("PLACEHOLDER");
    const enc = new TextEncoder();
    await redis.rpush(
      inbox,
      new Uint8Array([...enc.encode(before), 0xff, 0x80, 0xfe, ...enc.encode(after)]),
    );
    await town.ok("send", "dave", "after the bad ones");

    const records = await waitFor(
      "dave to handle the message sent after the bad ones",
      async () => {
        const rs = await probeRecords(town, "dave");
        return rs.some((r) => r.actionable.some((l) => l.includes("after the bad ones")))
          ? rs
          : undefined;
      },
    );
    const seen = records.flatMap((r) => r.actionable).join("\n");
    assert.match(seen, /big message xxx/);
    assert.match(seen, /bytes:/);

    const dead = JSON.parse(await town.ok("inbox", "--dead", "--json")) as {
      agent_id: string;
    }[];
    assert.ok(dead.some((d) => d.agent_id === dave.id), JSON.stringify(dead));
    const a = await waitForState(town, "dave", "idle");
    assert.equal(a.inbox + a.urgent + a.in_flight, 0);
    assert.ok(a.pid !== null && processAlive(a.pid), "the loop is still running");
  } finally {
    await redis?.close();
    await town.done();
  }
});
