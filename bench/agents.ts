/**
 * Agent and CLI benchmarks, each as a ratio against a floor measured in the same run:
 * - `tt start` on a running town / a bare `deno run` (goal <= 5);
 * - send -> loop pickup p50 / raw LPUSH -> BLMOVE p50, timed the same way (<= 1.5);
 * - `tt send` -> pickup / a bare `deno run` (the process start dominates; <= 6);
 * - `tt status` on 1,000 agents and 10,000 tasks, bundled (scripts/bundle.ts) / a bare
 *   `deno run --no-config` (<= 2.5), and the same with `--json`, which builds and prints ~900 KB
 *   of indented JSON; both also from source / a bare `deno run` in the checkout (recorded);
 * - loop overhead per round with a no-op CLI / a bare `deno run` (<= 1);
 * - RSS of one idle agent's loop process / a bare `deno run` process (<= 2).
 * Machines differ (a bare `deno run` is 17 ms on one, 62 ms on another): no absolute budgets.
 */
import { type BenchResult, compare, median, percentile, runTimed } from "./lib.ts";
import { initTown } from "../src/service/town_init.ts";
import { openTown, type Town } from "../src/town/town.ts";
import { openTestStore as openStore, type TestStore as Store } from "../tests/helpers/store.ts";
import { agentToHash, newAgent } from "../src/model/agent.ts";
import { newTask, taskToHash } from "../src/model/task.ts";
import { newMessage } from "../src/model/message.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { envFrom } from "../src/town/env.ts";
import { stopTown } from "../src/service/town_stop.ts";
import { rawPickup } from "./idle_agents.ts";
import { buildBundle } from "../scripts/bundle.ts";
import { BUNDLE_COMMAND_FLAGS } from "../src/bundled.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const ONE_LINER = new URL("./fixtures/noop.ts", import.meta.url).pathname;
const TT = [Deno.execPath(), "run", "--allow-all", "--quiet", MAIN];

export interface AgentBenchOptions {
  quick?: boolean;
  log?: (line: string) => void;
}

export async function runAgentBench(options: AgentBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? (() => {});
  const home = await Deno.makeTempDir({ prefix: "tt-bench-home-" });
  const dir = await Deno.makeTempDir({ prefix: "tt-bench-town-" });
  const env = { TT_HOME: home, NO_COLOR: "1" };
  Deno.env.set("TT_HOME", home);
  await initTown(dir, { name: "bench", env: envFrom(env) });
  const town = await openTown(dir);
  const store = openStore(town.redis, town.name);
  const results: BenchResult[] = [];
  try {
    const runs = options.quick ? 3 : 15;
    log("CLI start-up...");
    const bare: number[] = [];
    const start: number[] = [];
    for (let i = 0; i < runs; i++) {
      bare.push((await runTimed(Deno.execPath(), ["run", "--quiet", ONE_LINER])).ms);
      start.push((await runTimed(TT[0], [...TT.slice(1), "--town", dir, "start"], { env })).ms);
    }
    const floor = median(bare);
    results.push(
      compare(
        "tt start (running town)",
        "ms",
        median(start),
        floor,
        { max: 5 },
        "vs bare `deno run` of a one-line script, medians",
      ),
    );

    log("send -> pickup latency...");
    const spawned = await runTimed(TT[0], [
      ...TT.slice(1),
      "--town",
      dir,
      "spawn",
      "bencher",
      "--cli",
      "true",
      "--max-rounds",
      "100000",
      "--json",
    ], { env });
    const agentId = JSON.parse(spawned.stdout).id as string;
    await waitIdle(store, agentId);
    const loopPid = (await store.agents.get(agentId))?.pid;
    const freshRss = loopPid ? rssMiB(loopPid) : NaN;
    const rtt = await pingFloor(town);
    const samples = options.quick ? 10 : 60;
    const inproc: number[] = [];
    const roundMs: number[] = [];
    const raw: number[] = [];
    const waiter = await town.redis.duplicate();
    for (let i = 0; i < samples; i++) {
      raw.push(await rawPickup(town.redis, waiter, `bench:raw:${i}`));
      // Timed like the raw floor: from a push to a loop already waiting in its BLMOVE (after a
      // round the loop first finishes its pass; that is the round's cost, timed below).
      await until(() => loopWaiting(town));
      const t0 = performance.now();
      await store.mailbox.send(
        newMessage(SUPERVISOR_ID, agentId, { type: "task", description: `job ${i}` }),
      );
      await until(async () => (await town.redis.llen(store.keys.inbox(agentId))) === 0);
      inproc.push(performance.now() - t0);
      await waitIdle(store, agentId);
      roundMs.push(performance.now() - t0);
    }
    await waiter.close();
    results.push(
      compare(
        "in-process send -> pickup p50",
        "ms",
        median(inproc),
        median(raw),
        { max: 1.5 },
        `p99 ${percentile(inproc, 99).toFixed(2)} ms / raw LPUSH -> BLMOVE p50; Redis RTT ${
          rtt.toFixed(3)
        } ms`,
      ),
    );
    const viaCli: number[] = [];
    for (let i = 0; i < (options.quick ? 3 : 10); i++) {
      const t0 = performance.now();
      await runTimed(TT[0], [...TT.slice(1), "--town", dir, "send", "bencher", `cli job ${i}`], {
        env,
      });
      await until(async () => (await town.redis.llen(store.keys.inbox(agentId))) === 0);
      viaCli.push(performance.now() - t0);
      await waitIdle(store, agentId);
    }
    results.push(
      compare(
        "tt send -> pickup p50",
        "ms",
        median(viaCli),
        floor,
        { max: 6 },
        `p99 ${
          percentile(viaCli, 99).toFixed(1)
        } ms; vs bare deno run (the process start dominates)`,
      ),
    );

    log("loop overhead per round...");
    const cliMs = await noopCliFloor();
    const overhead = median(roundMs) - median(inproc) - cliMs;
    results.push(
      compare(
        "loop overhead per round",
        "ms",
        Math.max(0, overhead),
        floor,
        { max: 1 },
        `round ${median(roundMs).toFixed(1)} ms minus pickup and a no-op CLI run (${
          cliMs.toFixed(1)
        } ms) / bare deno run`,
      ),
    );

    log("idle agent loop RSS...");
    const rounds = roundMs.length + viaCli.length;
    const worn = loopPid ? rssMiB(loopPid) : NaN;
    const bareRss = await bareDenoRss();
    results.push(
      compare(
        "idle agent loop RSS",
        "MiB",
        freshRss,
        bareRss,
        { max: 2 },
        "a new loop alone in its host, idle / a bare deno process",
      ),
    );
    results.push(
      compare(
        `idle loop RSS after ${rounds} rounds`,
        "MiB",
        worn,
        bareRss,
        { max: 2 },
        "/ a bare deno process; Deno's native memory grows a little with each child process",
      ),
    );

    log("status on 1,000 agents / 10,000 tasks (bundle and source)...");
    await populate(store, 1000, 10_000);
    const bundleDir = await Deno.makeTempDir({ prefix: "tt-bench-bundle-" });
    try {
      const { main: bundled } = await buildBundle(`${bundleDir}/bundle`);
      const BUNDLE = [Deno.execPath(), "run", ...BUNDLE_COMMAND_FLAGS, bundled];
      const runs = {
        bare: [] as number[],
        bareNoConfig: [] as number[],
        status: [] as number[],
        json: [] as number[],
        sourceStatus: [] as number[],
        sourceJson: [] as number[],
      };
      const time = async (argv: string[]) => (await runTimed(argv[0], argv.slice(1), { env })).ms;
      for (let i = 0; i < (options.quick ? 2 : 5); i++) {
        runs.bareNoConfig.push(
          await time([Deno.execPath(), "run", "--quiet", "--no-config", ONE_LINER]),
        );
        runs.status.push(await time([...BUNDLE, "--town", dir, "status"]));
        runs.json.push(await time([...BUNDLE, "--town", dir, "status", "--json"]));
        runs.bare.push(await time([Deno.execPath(), "run", "--quiet", ONE_LINER]));
        runs.sourceStatus.push(await time([...TT, "--town", dir, "status"]));
        runs.sourceJson.push(await time([...TT, "--town", dir, "status", "--json"]));
      }
      // The floors again, interleaved with these runs: the machine's load may have changed.
      const floor = median(runs.bareNoConfig);
      const sourceFloor = median(runs.bare);
      results.push(
        compare(
          "tt status 1k agents/10k tasks",
          "ms",
          median(runs.status),
          floor,
          { max: 2.5 },
          "the bundle / bare deno run --no-config, interleaved",
        ),
        // The same with --json: ~900 KB of indented JSON for 1,000 agents, built and printed.
        compare(
          "tt status --json, the same town",
          "ms",
          median(runs.json),
          floor,
          {},
          "the bundle, as above; prints ~900 KB",
        ),
        compare(
          "source: tt status 1k agents",
          "ms",
          median(runs.sourceStatus),
          sourceFloor,
          {},
          "main.ts / bare deno run in the checkout, interleaved",
        ),
        compare(
          "source: tt status --json, 1k",
          "ms",
          median(runs.sourceJson),
          sourceFloor,
          {},
        ),
      );
    } finally {
      await Deno.remove(bundleDir, { recursive: true }).catch(() => {});
    }
  } finally {
    await town.close();
    await stopTown(dir, envFrom(env)).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
  return results;
}

async function noopCliFloor(): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < 10; i++) ms.push((await runTimed("true", [])).ms);
  return median(ms);
}

async function pingFloor(town: Town): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) await town.redis.ping();
  return (performance.now() - t0) / 1000;
}

async function waitIdle(store: Store, agentId: string): Promise<void> {
  await until(async () => {
    const [agent, inflight] = await Promise.all([
      store.agents.get(agentId),
      store.redis.llen(store.keys.inflight(agentId)),
    ]);
    return agent?.state === "idle" && inflight === 0;
  }, 30_000);
}

/** A client of the town is blocked in BLMOVE: the agent loop waits on its inbox. */
async function loopWaiting(town: Town): Promise<boolean> {
  const list = String(await town.redis.command(["CLIENT", "LIST"]));
  return list.split("\n").some((c) => / flags=\S*b/.test(c) && / cmd=blmove\b/.test(c));
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error("benchmark condition not reached in time");
  }
}

function rssMiB(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

async function bareDenoRss(): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "await new Promise((r) => setTimeout(r, 1500))"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await new Promise((r) => setTimeout(r, 800));
  const rss = rssMiB(child.pid);
  child.kill("SIGKILL");
  await child.status;
  return rss;
}

/** Writes agents and tasks straight into the store, pipelined. */
async function populate(store: Store, agents: number, tasks: number): Promise<void> {
  const ids: string[] = [];
  let p = store.redis.pipeline();
  for (let i = 0; i < agents; i++) {
    const a = { ...newAgent(`bulk-${i}`, "claude"), state: "stopped" as const };
    ids.push(a.id);
    p.add("HSET", store.keys.agent(a.id), ...Object.entries(agentToHash(a).set).flat());
    p.add("SADD", store.keys.agentsIndex, a.id);
    if (p.length >= 2000) {
      await p.execOrThrow();
      p = store.redis.pipeline();
    }
  }
  for (let i = 0; i < tasks; i++) {
    const t = {
      ...newTask(`bulk task ${i}`),
      assignedTo: ids[i % ids.length],
      state: "assigned" as const,
    };
    p.add("HSET", store.keys.task(t.id), ...Object.entries(taskToHash(t).set).flat());
    p.add("SADD", store.keys.tasksIndex, t.id);
    if (p.length >= 2000) {
      await p.execOrThrow();
      p = store.redis.pipeline();
    }
  }
  await p.execOrThrow();
  // Written behind tt's back, as another tool would: count them as `tt migrate` does, so
  // status reads the per-state sets, not every task.
  await store.taskStates.rebuild();
}

if (import.meta.main) {
  const { formatResult } = await import("./lib.ts");
  for (const r of await runAgentBench({ quick: Deno.args.includes("--quick"), log: console.log })) {
    console.log(formatResult(r));
  }
}
