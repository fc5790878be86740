/**
 * Redis client benchmark: our client against `redis-benchmark` on the same private server, in
 * the same run, so the ratios hold on any machine.
 *
 *   deno run -A bench/redis.ts [--quick]
 *
 * (a) PING round trip, one command at a time (goal: at most 1.3x redis-benchmark -c 1);
 * (b) pipelined PING throughput, 16 per batch (goal: at least 0.5x redis-benchmark -P 16);
 * (c) start-up of a process that imports the client, connects and PINGs, against a bare
 *     `deno run` of a one-line script (goal: at most 1.5x).
 * Each side is measured in alternating rounds and the medians compared, which keeps a noisy
 * neighbour on a small machine from favouring one side.
 */
import process from "node:process";
import { RedisClient } from "../src/redis/mod.ts";
import {
  alternate,
  type BenchResult,
  compare,
  formatResult,
  median,
  redisBenchmarkRate,
  runChecked,
  startTempRedis,
} from "./lib.ts";

export interface RedisBenchOptions {
  /** Fewer rounds and operations: a smoke run, not a measurement. */
  quick?: boolean;
  /** Progress lines; default silent. */
  log?: (line: string) => void;
}

const FIXTURES = new URL("./fixtures/", import.meta.url);

/** Runs all three comparisons; returns their results (bench/main.ts prints them). */
export async function runRedisBench(options: RedisBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? (() => {});
  const rounds = options.quick ? 2 : 7;
  const pingOps = options.quick ? 2_000 : 20_000;
  const pipelineOps = options.quick ? 32_000 : 320_000;
  const startupRuns = options.quick ? 3 : 15;
  const redis = await startTempRedis();
  const client = await RedisClient.connect({ endpoint: { kind: "unix", path: redis.socket } });
  try {
    const results: BenchResult[] = [];

    log("PING round trip...");
    const cpu: number[] = [];
    const rtt = await alternate(
      rounds,
      () => ourPingRate(client, pingOps, cpu),
      () => redisBenchmarkRate(redis.socket, "ping", "PING_MBULK", ["-n", String(pingOps)]),
    );
    results.push(compare(
      "PING round trip",
      "us",
      1e6 / median(rtt.ours),
      1e6 / median(rtt.theirs),
      { max: 1.3 },
      `redis-benchmark -c 1 -t ping (PING_MBULK), median of ${rounds} rounds; our process ` +
        `spent ${median(cpu).toFixed(1)} us CPU per PING`,
    ));

    log("pipelined PING, 16 per batch...");
    const piped = await alternate(
      rounds,
      () => ourPipelineRate(client, pipelineOps, 16),
      () =>
        redisBenchmarkRate(redis.socket, "ping", "PING_MBULK", [
          "-n",
          String(pipelineOps),
          "-P",
          "16",
        ]),
    );
    results.push(compare(
      "pipelined PING (16/batch)",
      "ops/s",
      median(piped.ours),
      median(piped.theirs),
      { min: 0.5 },
      "client.pipeline() of 16 PINGs vs redis-benchmark -c 1 -P 16",
    ));

    log("start-up...");
    const ping = new URL("ping.ts", FIXTURES).pathname;
    const noop = new URL("noop.ts", FIXTURES).pathname;
    // Warm Deno's module cache so neither side pays for a first compile.
    await runChecked(Deno.execPath(), ["run", "-A", ping, redis.socket]);
    await runChecked(Deno.execPath(), ["run", "-A", noop]);
    const startup = await alternate(
      startupRuns,
      async () => (await runChecked(Deno.execPath(), ["run", "-A", ping, redis.socket])).ms,
      async () => (await runChecked(Deno.execPath(), ["run", "-A", noop])).ms,
    );
    results.push(compare(
      "start-up (connect + PING)",
      "ms",
      median(startup.ours),
      median(startup.theirs),
      { max: 1.5 },
      `deno run bench/fixtures/ping.ts vs a one-line script, median of ${startupRuns}`,
    ));
    return results;
  } finally {
    await client.close();
    await redis.stop();
  }
}

/**
 * Sequential PINGs per second (each waits for its reply). Also records our CPU time per PING
 * in `cpu`: on a busy machine wall time mostly measures the scheduler, CPU time does not.
 */
async function ourPingRate(client: RedisClient, ops: number, cpu: number[]): Promise<number> {
  for (let i = 0; i < 200; i++) await client.command(["PING"]); // warm up the JIT
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < ops; i++) await client.command(["PING"]);
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpuBefore);
  cpu.push((used.user + used.system) / ops);
  return ops / (elapsed / 1000);
}

/** PINGs per second, sent as pipelines of `batch`, one pipeline at a time. */
async function ourPipelineRate(client: RedisClient, ops: number, batch: number): Promise<number> {
  const once = () => {
    const p = client.pipeline();
    for (let j = 0; j < batch; j++) p.add("PING");
    return p.exec();
  };
  for (let i = 0; i < 200; i++) await once();
  const started = performance.now();
  for (let i = 0; i < ops; i += batch) await once();
  return ops / ((performance.now() - started) / 1000);
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const results = await runRedisBench({ quick, log: (l) => console.error(l) });
  for (const r of results) console.log(formatResult(r));
}
