/**
 * A full Redis (`maxmemory` reached with `noeviction`: every write answers `OOM command not
 * allowed`) must not kill agent loops: they keep their work, retry, and carry on once memory
 * is back. tt commands meanwhile fail with one clean line. Real redis-server, limit set with
 * CONFIG SET.
 */
import assert from "node:assert/strict";
import { RedisReplyError } from "../src/redis/errors.ts";
import { chaosTown, processAlive, shCli, waitFor } from "./fixtures/chaos_town.ts";
import { exists } from "./helpers/fs.ts";

Deno.test("agent loops ride out an out-of-memory Redis and finish the work afterwards", async () => {
  const town = await chaosTown({ config: { idle_timeout_secs: 0, failed_round_backoff_ms: 200 } });
  const gate = await Deno.makeTempDir({ prefix: "tt-oom-gate-" });
  let limited = false;
  try {
    const busy = JSON.parse(
      await town.ok("spawn", "busy", "--cli", shCli("cli_gated_complete.sh", gate), "--json"),
    ) as { id: string; pid: number };
    const idle = JSON.parse(
      await town.ok("spawn", "idler", "--cli", shCli("chaos_complete.sh"), "--json"),
    ) as { id: string; pid: number };
    const first = JSON.parse(await town.ok("assign", "busy", "job during OOM", "--json")).task_id;
    await waitFor("busy's CLI to start", () => exists(`${gate}/started`), 30_000);

    // Fill Redis, then put its limit below what it holds (with noeviction): every write is
    // refused, as on a full server, however small (a limit just above the data would let
    // small writes through whenever a big request's buffer is freed).
    const filler = "f".repeat(64 * 1024);
    for (let i = 0; i < 64; i++) await town.redis.set(`oom-filler:${i}`, filler);
    const used = Number((await town.redis.info("memory")).used_memory);
    await town.redis.command(["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    await town.redis.command(["CONFIG", "SET", "maxmemory", String(used - 1024 * 1024)]);
    limited = true;
    await assert.rejects(
      town.redis.set("oom-probe", "x"),
      (err: unknown) => err instanceof RedisReplyError && err.code === "OOM",
    );

    // A tt command fails with one clean line.
    const refused = await town.tt("send", "idler", "hello");
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);
    assert.match(refused.stderr, /^error: .*OOM command not allowed/);

    // busy's CLI now finishes its round while every write fails (its `tt task complete` too),
    // and both loops keep meeting the OOM error for a while: they must survive it.
    await Deno.writeTextFile(`${gate}/release`, "");
    const window = Date.now() + 4000;
    while (Date.now() < window) {
      for (const [name, loop] of [["busy", busy], ["idler", idle]] as const) {
        assert.ok(processAlive(loop.pid), `${name}'s loop died under OOM`);
        const a = await town.store.agents.get(loop.id);
        assert.notEqual(a?.state, "error", `${name}: ${a?.lastError}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal((await town.store.tasks.get(first))?.state, "running", "not done, not lost");

    // Memory back: the loops carry on, finish the kept work and take new work.
    await town.redis.command(["CONFIG", "SET", "maxmemory", "0"]);
    limited = false;
    const second = JSON.parse(await town.ok("assign", "idler", "job after OOM", "--json")).task_id;
    for (const task of [first, second]) {
      await waitFor(`task ${task} to complete`, async () => {
        return (await town.store.tasks.get(task))?.state === "completed";
      }, 60_000);
    }
    for (const [name, loop] of [["busy", busy], ["idler", idle]] as const) {
      assert.ok(processAlive(loop.pid), `${name} still runs the loop it started with`);
      assert.equal((await town.store.agents.get(loop.id))?.pid, loop.pid);
    }
  } finally {
    if (limited) await town.redis.command(["CONFIG", "SET", "maxmemory", "0"]).catch(() => {});
    await town.done();
    await Deno.remove(gate, { recursive: true });
  }
});
