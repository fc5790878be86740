/**
 * At-least-once delivery under SIGKILL: 100 times, a real agent loop is killed at a random
 * point of a round (every other time together with its agent CLI), then brought back — by
 * `tt recover` + `tt restart`, or (every fourth time) by simply starting a new
 * `tt agent-loop`, which puts in-flight messages back itself.
 * The agent CLI (chaos_record.sh) appends each message marker it is given to a file. Every
 * message sent must be in that file at the end; duplicates are expected and counted.
 */
import assert from "node:assert/strict";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { newMessage } from "../src/model/message.ts";
import { ttCommand } from "./helpers/tt.ts";
import {
  chaosTown,
  crash,
  processAlive,
  readLines,
  shCli,
  waitFor,
} from "./fixtures/chaos_town.ts";

const ITERATIONS = 100;
const ROUNDS = 100_000;
/** Kills land up to this long after the loop took messages into flight. */
const KILL_WINDOW_MS = 150;

Deno.test("chaos: 100 SIGKILLs of an agent loop mid-round lose no message", async () => {
  const started = performance.now();
  const town = await chaosTown({ config: { idle_timeout_secs: 0 } });
  const record = `${town.dir}/handled.txt`;
  const direct: Deno.ChildProcess[] = []; // loops this test started itself
  let pid = 0;
  try {
    const spawned = JSON.parse(
      await town.ok(
        "spawn",
        "w",
        "--cli",
        shCli("chaos_record.sh", record),
        "--max-rounds",
        String(ROUNDS),
        "--json",
      ),
    );
    const id: string = spawned.id;
    pid = spawned.pid;
    const inflight = async () =>
      (await town.redis.llen(town.store.keys.inflight(id))) +
      (await town.redis.llen(town.store.mailbox.inflightUrgent(id)));
    const waiting = async () =>
      (await town.redis.llen(town.store.keys.inbox(id))) +
      (await town.redis.llen(town.store.keys.urgent(id)));
    const sent: string[] = [];
    let midRound = 0;
    let recovered = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const k = 1 + Math.floor(Math.random() * 3);
      for (let j = 0; j < k; j++) {
        const marker = `chaos-msg-${sent.length}`;
        sent.push(marker);
        const m = newMessage(SUPERVISOR_ID, id, { type: "task", description: marker });
        await town.store.mailbox.send(m, { urgent: sent.length % 7 === 0 });
      }
      // Anchor on the round having begun (messages in flight), then kill at a random moment.
      // Polled tightly (not with waitFor's back-off) so the anchor is close to the real start.
      const deadline = Date.now() + 20_000;
      while ((await waiting()) > 0) {
        if (Date.now() > deadline) throw new Error(`loop ${pid} did not take the messages`);
        await delay(1);
      }
      await delay(Math.random() * KILL_WINDOW_MS);
      // Every other time the agent CLI dies with its loop; otherwise it runs on, orphaned.
      crash(pid, i % 2 === 0);
      await waitFor(`loop ${pid} to die`, () => !processAlive(pid));
      if ((await inflight()) > 0) midRound++;

      if (i % 4 === 3) {
        // A new loop on its own: it must put the dead loop's in-flight messages back.
        const child = new Deno.Command(ttCommand()[0], {
          args: [
            ...ttCommand().slice(1),
            "--town",
            town.dir,
            "agent-loop",
            "w",
            id,
            String(ROUNDS),
          ],
          env: town.env,
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn();
        direct.push(child);
        pid = child.pid;
      } else {
        const r = JSON.parse(await town.ok("recover", "--json"));
        assert.equal(r.agents_recovered, 1, `iteration ${i}: ${JSON.stringify(r)}`);
        assert.equal(r.recovered[0].id, id);
        recovered++;
        pid = JSON.parse(await town.ok("restart", "w", "--rounds", String(ROUNDS), "--json")).pid;
      }
    }

    // A last, undisturbed loop drains whatever is left.
    await waitFor("the last loop to finish every waiting message", async () => {
      const left = (await inflight()) + (await waiting());
      return left === 0 && (await town.store.agents.get(id))?.state === "idle";
    }, 30_000);
    const lines = await readLines(record);
    const handled = new Set(lines);
    const lost = sent.filter((m) => !handled.has(m));
    assert.deepEqual(lost, [], `lost messages: ${lost.join(", ")}`);
    assert.equal(handled.size, sent.length, "only the markers that were sent are recorded");
    assert.equal(await town.redis.llen(town.store.keys.deadLetters), 0, "no dead letters");
    // The random kills must actually have hit rounds, or this test proves little.
    assert.ok(midRound >= ITERATIONS / 10, `only ${midRound} kills landed mid-round`);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `chaos kill: ${ITERATIONS} SIGKILLs (${midRound} with messages in flight), ` +
        `${recovered} tt recover + restart, ${ITERATIONS - recovered} new loops; ` +
        `${sent.length} messages, 0 lost, ${lines.length - handled.size} duplicate deliveries; ` +
        `${secs}s`,
    );
  } finally {
    if (pid && processAlive(pid)) Deno.kill(pid, "SIGKILL");
    for (const child of direct) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await child.status;
    }
    await town.done();
  }
});

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
