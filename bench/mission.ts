/**
 * Mission benchmark: one dispatcher tick (leases, notes, watches, scheduler pass, bookkeeping)
 * over 50 active missions of 20 work items each, against redis-benchmark doing the tick's
 * reads — one HGETALL of a 20-item work hash per read — pipelined, on the same server in the
 * same run. The ratio is what tt's own work (JSON, scheduling, writes) costs over raw reads.
 */
import { RedisClient } from "../src/redis/mod.ts";
import { ghRunner } from "../src/mission/gh.ts";
import { dispatcher } from "../src/mission/service.ts";
import { openStore } from "../src/store/store.ts";
import { type BenchResult, compare, median, runTimed, startTempRedis } from "./lib.ts";
import { seedMissions } from "./mission_seed.ts";

export interface MissionBenchOptions {
  quick?: boolean;
  log?: (line: string) => void;
}

const MISSIONS = 50;
const ITEMS = 20;

export async function runMissionBench(options: MissionBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? (() => {});
  const rounds = options.quick ? 3 : 15;
  const redis = await startTempRedis();
  const client = await RedisClient.connect({ endpoint: { kind: "unix", path: redis.socket } });
  try {
    log(`mission tick over ${MISSIONS} missions x ${ITEMS} items...`);
    const store = openStore(client, "bench");
    const ids = await seedMissions(store, { missions: MISSIONS, items: ITEMS });
    const env = { store, root: "/", gh: ghRunner("/nonexistent/gh") };
    const d = dispatcher(env);
    await d.tick(); // settles the blocked reasons once, and warms up the JIT
    await d.tick();
    // What a tick reads: per mission the record and three hashes, plus agents and tasks.
    const reads = MISSIONS * 4 + 10 + 2 * MISSIONS + 4;
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const started = performance.now();
      await d.tick();
      ours.push(performance.now() - started);
      theirs.push(await pipelinedReadsMs(redis.socket, store.missions.keys.work(ids[0]), reads));
    }
    return [compare(
      "mission tick (50x20)",
      "ms",
      median(ours),
      median(theirs),
      { max: 20 },
      `one dispatcher tick vs redis-benchmark -P 50 HGETALL of a ${ITEMS}-item work hash ` +
        `x ${reads} (the tick's reads), median of ${rounds}`,
    )];
  } finally {
    await client.close();
    await redis.stop();
  }
}

/** Milliseconds redis-benchmark takes for `n` pipelined HGETALLs of `key` (from its rate). */
async function pipelinedReadsMs(socket: string, key: string, n: number): Promise<number> {
  const run = await runTimed("redis-benchmark", [
    "-s",
    socket,
    "-c",
    "1",
    "-n",
    String(n * 20),
    "-P",
    "50",
    "--csv",
    "HGETALL",
    key,
  ]);
  if (run.code !== 0) throw new Error(`redis-benchmark failed: ${run.stderr.trim()}`);
  const line = run.stdout.split("\n").find((l) => l.startsWith('"HGETALL'));
  const rps = line ? Number(line.split(",")[1]?.replaceAll('"', "")) : NaN;
  if (!Number.isFinite(rps) || rps <= 0) {
    throw new Error(`cannot read redis-benchmark output: ${run.stdout.slice(0, 200)}`);
  }
  return (n / rps) * 1000;
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const { formatResult } = await import("./lib.ts");
  for (const r of await runMissionBench({ quick, log: (l) => console.error(l) })) {
    console.log(formatResult(r));
  }
}
