/**
 * Idle agents (issue #15), each against a floor measured in the same run:
 * - RSS of N idle agents' loops, total / one bare `deno run` process (goal <= 3);
 * - CPU of N idle agents / one process blocked in BLMOVE with 1 s timeouts, same window (<= 3);
 * - Redis commands per idle agent per second, from INFO commandstats (<= 0.5);
 * - send -> loop pickup p50 / raw LPUSH -> BLMOVE p50, timed the same way (<= 1.5).
 * N is 30 (5 with --quick); the CPU window is 30 s (8 s with --quick), not a minute.
 */
import { type BenchResult, compare, median, percentile } from "./lib.ts";
import { initTown } from "../src/service/town_init.ts";
import { openTown } from "../src/town/town.ts";
import { openStore, type Store } from "../src/store/store.ts";
import { newMessage } from "../src/model/message.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { envFrom } from "../src/town/env.ts";
import { stopTown } from "../src/service/town_stop.ts";
import { spawnAgent } from "../src/service/agent_spawn.ts";
import type { RedisClient } from "../src/redis/client.ts";

const FLOOR_BLMOVE = new URL("./fixtures/blmove_floor.ts", import.meta.url).pathname;
const FLOOR_SLEEP = new URL("./fixtures/sleep.ts", import.meta.url).pathname;

export interface IdleBenchOptions {
  quick?: boolean;
  log?: (line: string) => void;
}

export async function runIdleAgentBench(options: IdleBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? (() => {});
  const agents = options.quick ? 5 : 30;
  const windowSecs = options.quick ? 8 : 30;
  const home = await Deno.makeTempDir({ prefix: "tt-bench-home-" });
  const dir = await Deno.makeTempDir({ prefix: "tt-bench-idle-" });
  const env = { TT_HOME: home, NO_COLOR: "1" };
  Deno.env.set("TT_HOME", home);
  await initTown(dir, { name: "idle", env: envFrom(env) });
  const toml = `${dir}/tinytown.toml`;
  const text = await Deno.readTextFile(toml);
  if (!/^max_agents = .*$/m.test(text)) throw new Error("tinytown.toml has no max_agents");
  await Deno.writeTextFile(toml, text.replace(/^max_agents = .*$/m, `max_agents = ${agents + 10}`));
  const town = await openTown(dir);
  const store = openStore(town.redis, town.name);
  const floors: Deno.ChildProcess[] = [];
  const results: BenchResult[] = [];
  try {
    log(`spawning ${agents} idle agents...`);
    const ids: string[] = [];
    for (let i = 0; i < agents; i++) {
      const r = await spawnAgent(town, store, { name: `idle-${i}`, cli: "true", maxRounds: 1000 });
      ids.push(r.agent.id);
    }
    await until(async () => {
      const all = await Promise.all(ids.map((id) => store.agents.get(id)));
      return all.every((a) => a?.state === "idle");
    }, 120_000);
    const pids = new Set(
      (await Promise.all(ids.map((id) => store.agents.get(id)))).map((a) => a!.pid!),
    );
    // Let start-up settle (first leases, first idle passes) before measuring idleness.
    await new Promise((r) => setTimeout(r, 3000));

    log("RSS...");
    const sleeper = spawnDeno(["run", "--quiet", FLOOR_SLEEP]);
    floors.push(sleeper);
    await new Promise((r) => setTimeout(r, 1500));
    const bareRss = rssMiB(sleeper.pid);
    const loopsRss = [...pids].reduce((sum, pid) => sum + rssMiB(pid), 0);
    results.push(compare(
      `RSS of ${agents} idle agents`,
      "MiB",
      loopsRss,
      bareRss,
      { max: 3 },
      `total of ${pids.size} process(es) running their loops / one bare \`deno run\``,
    ));

    log(`CPU and Redis commands over ${windowSecs} s...`);
    const url = `unix://${dir}/.tt/redis.sock`;
    // Three floor processes in the same window; their median is the floor (one process's
    // CPU in 30 s is ~10 ms, and a stray compile or collection in it can double that).
    const blockers = [0, 1, 2].map((i) =>
      spawnDeno(["run", "--allow-all", "--quiet", FLOOR_BLMOVE, url, `bench:floor${i}`])
    );
    floors.push(...blockers);
    await new Promise((r) => setTimeout(r, 1500));
    const cpu0 = cpuMs([...pids]);
    const floor0 = blockers.map((b) => cpuMs([b.pid]));
    const calls0 = await commandCalls(town.redis);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowSecs * 1000)); // the window measured
    const secs = (performance.now() - t0) / 1000;
    const calls1 = await commandCalls(town.redis);
    const cpu = cpuMs([...pids]) - cpu0;
    const floorCpu = Math.max(1, median(blockers.map((b, i) => cpuMs([b.pid]) - floor0[i])));
    results.push(compare(
      `CPU of ${agents} idle agents`,
      "ms",
      cpu,
      floorCpu,
      { max: 3 },
      `in ${
        secs.toFixed(0)
      } s (not a minute) / one process in BLMOVE with 1 s timeouts, same window`,
    ));
    // The floor's own BLMOVEs and this benchmark's INFO are not the agents'.
    const theirs = calls1.total - calls0.total - (calls1.blmoveFloor - calls0.blmoveFloor) - 1;
    const perAgent = theirs / agents / secs;
    results.push(compare(
      "Redis commands per idle agent",
      "cmd/s",
      perAgent,
      0.5,
      { max: 1 },
      `INFO commandstats over ${secs.toFixed(0)} s; goal 0.5 per agent per second`,
    ));

    log("send -> pickup latency...");
    const samples = options.quick ? 10 : 40;
    const pickup: number[] = [];
    const raw: number[] = [];
    const waiter = await town.redis.duplicate();
    try {
      for (let i = 0; i < samples; i++) {
        const id = ids[i % ids.length];
        const t0 = performance.now();
        await store.mailbox.send(
          newMessage(SUPERVISOR_ID, id, { type: "task", description: `job ${i}` }),
        );
        await until(async () => (await town.redis.llen(store.keys.inbox(id))) === 0);
        pickup.push(performance.now() - t0);
        raw.push(await rawPickup(town.redis, waiter, `bench:raw:${i}`));
        await waitIdle(store, id);
      }
    } finally {
      await waiter.close();
    }
    results.push(compare(
      "send -> loop pickup p50",
      "ms",
      median(pickup),
      median(raw),
      { max: 1.5 },
      `p99 ${percentile(pickup, 99).toFixed(2)} ms / raw LPUSH -> BLMOVE p50, timed the same way`,
    ));
  } finally {
    for (const child of floors) {
      try {
        child.kill("SIGKILL");
      } catch {
        // gone
      }
      await child.status;
    }
    await town.close();
    await stopTown(dir, envFrom(env)).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
  return results;
}

/** LPUSH while another connection waits in BLMOVE; timed until the list is empty again. */
export async function rawPickup(
  redis: RedisClient,
  waiter: RedisClient,
  key: string,
): Promise<number> {
  const moved = waiter.blmove(key, `${key}:to`, "LEFT", "RIGHT", 5);
  await new Promise((r) => setTimeout(r, 20)); // the waiter is blocked before the push
  const t0 = performance.now();
  await redis.lpush(key, "x");
  await until(async () => (await redis.llen(key)) === 0);
  const ms = performance.now() - t0;
  await moved;
  await redis.del(`${key}:to`);
  return ms;
}

function spawnDeno(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "null" }).spawn();
}

async function commandCalls(redis: RedisClient): Promise<{ total: number; blmoveFloor: number }> {
  const info = String(await redis.command(["INFO", "commandstats"]));
  let total = 0;
  for (const m of info.matchAll(/calls=(\d+)/g)) total += Number(m[1]);
  // Only the floor process uses BLMOVE on its own key; the loops' BLMOVEs wait long.
  const blmove = Number(/cmdstat_blmove:calls=(\d+)/.exec(info)?.[1] ?? 0);
  return { total, blmoveFloor: blmove };
}

/**
 * CPU time of processes, in ms: the time each of their threads spent on a CPU, in ns, from
 * /proc/<pid>/task/<tid>/schedstat. /proc/<pid>/stat counts clock ticks of 10 ms, too coarse
 * for the floor (one process blocked in BLMOVE uses ~10-30 ms in the window, so a tick more or
 * less halved or doubled the ratio); it is the fallback where schedstat is missing. Threads
 * that ended within the window are not counted (a loop host's threads live as long as it).
 */
function cpuMs(pids: number[]): number {
  let ns = 0;
  let ticks = 0;
  for (const pid of pids) {
    try {
      let threads = 0;
      for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
        const line = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/schedstat`);
        ns += Number(line.split(" ")[0]);
        threads++;
      }
      if (threads > 0) continue;
    } catch {
      // no schedstat here, or the process is gone
    }
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone
    }
  }
  return ns / 1e6 + ticks * 10;
}

function rssMiB(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
  } catch {
    return NaN;
  }
}

async function waitIdle(store: Store, agentId: string): Promise<void> {
  await until(async () => {
    const [agent, inflight] = await Promise.all([
      store.agents.get(agentId),
      store.mailbox.counts([agentId]).then((c) => c.get(agentId)?.inflight ?? 0),
    ]);
    return agent?.state === "idle" && inflight === 0;
  }, 30_000);
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error("benchmark condition not reached in time");
  }
}

if (import.meta.main) {
  const { formatResult } = await import("./lib.ts");
  const quick = Deno.args.includes("--quick");
  for (const r of await runIdleAgentBench({ quick, log: console.log })) {
    console.log(formatResult(r));
  }
}
