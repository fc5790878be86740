/**
 * Redis killed under working agents: with `persist = true` (AOF, fsync every second), the
 * town's redis-server is SIGKILLed while three agent loops complete tasks (and a fourth waits
 * idle), and brought back with `tt start`. The loops must ride it out (same processes, never
 * Error) and every task assigned — before the crash and after it — must end completed.
 */
import assert from "node:assert/strict";
import { assignNewTask } from "../src/service/task_ops.ts";
import { chaosTown, loopLogTails, processAlive, shCli, waitFor } from "./fixtures/chaos_town.ts";

const AGENTS = ["alpha", "beta", "gamma"];
/** Gets work only after the crash, so it is idle in a blocking wait when Redis dies. */
const IDLER = "delta";
const TASKS_PER_WAVE = 5;

Deno.test("chaos: redis-server SIGKILLed and restarted while three agents work", async () => {
  const town = await chaosTown({ config: { persist: true, idle_timeout_secs: 0 } });
  try {
    const pids = new Map<string, number>();
    for (const name of [...AGENTS, IDLER]) {
      const r = JSON.parse(
        await town.ok(
          "spawn",
          name,
          "--cli",
          shCli("chaos_complete.sh", "0.2"),
          "--max-rounds",
          "1000",
          "--json",
        ),
      );
      pids.set(name, r.pid);
    }
    const assign = async (wave: number, names: string[]) => {
      for (const name of names) {
        for (let i = 0; i < TASKS_PER_WAVE; i++) {
          await assignNewTask(town.store, name, `wave ${wave} task ${i} for ${name}`);
        }
      }
    };
    const completed = async () =>
      (await town.store.tasks.list()).filter((t) => t.state === "completed").length;
    await assign(1, AGENTS);
    await waitFor("a few tasks to complete", async () => (await completed()) >= 3, 30_000);
    const before = await completed();
    assert.ok(before < AGENTS.length * TASKS_PER_WAVE, "the crash must hit work in progress");

    const serverPid = Number((await Deno.readTextFile(`${town.dir}/.tt/redis.pid`)).trim());
    Deno.kill(serverPid, "SIGKILL");
    await waitFor("redis-server to die", () => !processAlive(serverPid));
    // Leave it down long enough for loops and CLIs to hit the outage.
    await new Promise((r) => setTimeout(r, 1500));
    // Any tt command (an agent's `tt task complete`, say) may have started it again already.
    await town.ok("start");
    const newPid = Number((await Deno.readTextFile(`${town.dir}/.tt/redis.pid`)).trim());
    assert.ok(newPid !== serverPid && processAlive(newPid), "a new redis-server runs");
    await town.reconnect();

    const total = (2 * AGENTS.length + 1) * TASKS_PER_WAVE;
    assert.ok((await completed()) >= before - 1, "completions before the crash survive it");
    await assign(2, [...AGENTS, IDLER]);
    await waitFor(
      `all ${total} tasks to complete`,
      async () => (await completed()) === total,
      60_000,
    )
      .catch(async (err) => {
        const states = (await town.store.agents.list()).map((a) => `${a.name}: ${a.state}`);
        throw new Error(
          `${err.message}; ${await completed()} done; ${states.join(", ")}\n` +
            (await loopLogTails(town.dir)),
        );
      });

    for (const name of [...AGENTS, IDLER]) {
      const agent = (await town.store.agents.list()).find((a) => a.name === name)!;
      assert.notEqual(agent.state, "error", `${name}: ${agent.lastError}`);
      assert.equal(agent.pid, pids.get(name), `${name} still runs the loop it started with`);
      assert.ok(processAlive(pids.get(name)!), `${name}'s loop is alive`);
    }
    const tasks = await town.store.tasks.list();
    assert.equal(tasks.length, total, "no task lost");
    assert.ok(tasks.every((t) => t.result?.startsWith("done by ")));
  } finally {
    await town.done();
  }
});
