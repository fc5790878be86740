/**
 * Shared helpers for benchmarks: statistics, timing child processes, a temp redis-server,
 * and the result shape every benchmark returns so bench/main.ts can print them together.
 */
import { scratchServerArgs } from "../tests/helpers/redis.ts";

/** One comparison: our number against a reference, checked against a goal. */
export interface BenchResult {
  name: string;
  unit: string;
  ours: number;
  reference: number;
  /** ours / reference. */
  ratio: number;
  /** The ratio must stay at or below (`max`) or at or above (`min`) `goal`. */
  goal: { max?: number; min?: number };
  pass: boolean;
  /** Extra context, e.g. how the reference was measured. */
  note?: string;
}

/** Builds a BenchResult, computing the ratio and PASS/MISS. */
export function compare(
  name: string,
  unit: string,
  ours: number,
  reference: number,
  goal: { max?: number; min?: number },
  note?: string,
): BenchResult {
  const ratio = ours / reference;
  const pass = (goal.max === undefined || ratio <= goal.max) &&
    (goal.min === undefined || ratio >= goal.min);
  return { name, unit, ours, reference, ratio, goal, pass, ...(note ? { note } : {}) };
}

/** One line per result, e.g. `PING round trip  71.2 us vs 64.0 us  ratio 1.11 (goal <= 1.3) PASS`. */
export function formatResult(r: BenchResult): string {
  const goal = r.goal.max !== undefined
    ? `goal <= ${r.goal.max}`
    : r.goal.min !== undefined
    ? `goal >= ${r.goal.min}`
    : "recorded, no goal";
  const num = (n: number) =>
    n >= 1000 ? Math.round(n).toLocaleString("en-US") : n.toFixed(n < 10 ? 2 : 1);
  return `${r.name.padEnd(28)} ours ${num(r.ours)} ${r.unit}  vs  ${num(r.reference)} ${r.unit}` +
    `   ratio ${r.ratio.toFixed(2)} (${goal})  ${r.pass ? "PASS" : "MISS"}` +
    (r.note ? `\n${"".padEnd(28)} ${r.note}` : "");
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface CommandRun {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (argv, no shell) to completion; returns its output and wall time. */
export async function runTimed(
  program: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CommandRun> {
  const started = performance.now();
  const out = await new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...options,
  }).output();
  const ms = performance.now() - started;
  const decoder = new TextDecoder();
  return {
    ms,
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** Like runTimed but throws when the program fails. */
export async function runChecked(program: string, args: string[]): Promise<CommandRun> {
  const run = await runTimed(program, args);
  if (run.code !== 0) {
    throw new Error(`${program} ${args.join(" ")} failed (${run.code}): ${run.stderr.trim()}`);
  }
  return run;
}

/**
 * Runs both sides `rounds` times, alternating (ours, theirs, ours, ...), so a noisy neighbour
 * on a small machine slows both sides alike rather than favouring one.
 */
export async function alternate(
  rounds: number,
  ours: () => Promise<number>,
  theirs: () => Promise<number>,
): Promise<{ ours: number[]; theirs: number[] }> {
  const out = { ours: [] as number[], theirs: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    out.ours.push(await ours());
    out.theirs.push(await theirs());
  }
  return out;
}

/**
 * Requests per second that `redis-benchmark -c 1 -t <test> --csv` reports on one connection to
 * `socket`, read from its CSV row `row` (e.g. PING_MBULK for `-t ping`, LPUSH for `-t lpush`).
 */
export async function redisBenchmarkRate(
  socket: string,
  test: string,
  row: string,
  extra: string[] = [],
): Promise<number> {
  const run = await runTimed("redis-benchmark", [
    "-s",
    socket,
    "-c",
    "1",
    "-t",
    test,
    "--csv",
    ...extra,
  ]);
  if (run.code !== 0) throw new Error(`redis-benchmark failed: ${run.stderr.trim()}`);
  const line = run.stdout.split("\n").find((l) => l.startsWith(`"${row}"`));
  const rps = line ? Number(line.split(",")[1]?.replaceAll('"', "")) : NaN;
  if (!Number.isFinite(rps) || rps <= 0) {
    throw new Error(`cannot read redis-benchmark output: ${run.stdout.slice(0, 200)}`);
  }
  return rps;
}

export interface TempRedis {
  socket: string;
  dir: string;
  stop(): Promise<void>;
}

/** A private redis-server on a Unix socket in a temp dir, no persistence; stop() removes it. */
export async function startTempRedis(extraArgs: string[] = []): Promise<TempRedis> {
  const dir = await Deno.makeTempDir({ prefix: "tt-bench-redis-" });
  const socket = `${dir}/redis.sock`;
  const child = new Deno.Command("redis-server", {
    args: [...scratchServerArgs(dir, socket), "--logfile", `${dir}/redis.log`, ...extraArgs],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  child.status.then(() => exited = true);
  const stop = async () => {
    if (!exited) child.kill("SIGKILL");
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error("redis-server for the benchmark did not start");
    }
    if (await answersPing(socket)) return { socket, dir, stop };
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function answersPing(socket: string): Promise<boolean> {
  try {
    const conn = await Deno.connect({ transport: "unix", path: socket });
    try {
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buf = new Uint8Array(16);
      const n = await conn.read(buf);
      return n !== null && new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG");
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}
