/**
 * Townhall REST benchmark: `GET /v1/status` throughput and p50/p99 latency with 16 concurrent
 * clients (bench/fixtures/http_load.ts, its own process), against a bare `Deno.serve` handler
 * answering a JSON body of the same size on the same machine in the same run. Goal: at least
 * 0.3x the bare throughput, with no errors. The app is the real one (auth mode none, no rate
 * limit, request log lines formatted but not written, so the output stays readable), on a
 * town with 5 agents.
 *
 *   deno run -A bench/townhall.ts [--quick]
 */
import { Town } from "../mod.ts";
import { buildRestApp } from "../src/townhall/rest/app.ts";
import { defaultTownhallSettings } from "../src/town/config.ts";
import { createAuthenticator } from "../src/townhall/security/mod.ts";
import { type BenchResult, compare, formatResult, median, startTempRedis } from "./lib.ts";

const LOAD = new URL("./fixtures/http_load.ts", import.meta.url).pathname;
const CLIENTS = 16;

export interface TownhallBenchOptions {
  quick?: boolean;
  log?: (line: string) => void;
}

interface Load {
  requests: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  seconds: number;
}

async function load(url: string, ms: number): Promise<Load> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--quiet", LOAD, url, String(CLIENTS), String(ms)],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("the HTTP load generator failed");
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

export async function runTownhallBench(options: TownhallBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? (() => {});
  const rounds = options.quick ? 1 : 3;
  const ms = options.quick ? 500 : 3000;
  const redis = await startTempRedis();
  const home = await Deno.makeTempDir({ prefix: "tt-bench-th-home-" });
  const dir = await Deno.makeTempDir({ prefix: "tt-bench-th-" });
  const town = await Town.init(dir, "bench-townhall", {
    env: { TT_HOME: home, REDIS_URL: `unix://${redis.socket}` },
  });
  const settings = defaultTownhallSettings();
  settings.rateLimit.enabled = false;
  const rest = buildRestApp({
    town,
    settings,
    authenticator: createAuthenticator(settings.auth),
    log: () => {},
  });
  const ours = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, rest.fetch);
  try {
    for (let i = 0; i < 5; i++) {
      await town.spawnAgent(`worker-${i}`, { cli: "claude", start: false });
    }
    const ourUrl = `http://127.0.0.1:${ours.addr.port}/v1/status`;
    const sample = await (await fetch(ourUrl)).text();
    const bare = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response(sample, { headers: { "content-type": "application/json" } }),
    );
    const bareUrl = `http://127.0.0.1:${bare.addr.port}/v1/status`;
    try {
      log(`townhall GET /v1/status, ${CLIENTS} clients...`);
      const a: Load[] = [];
      const b: Load[] = [];
      for (let i = 0; i < rounds; i++) {
        a.push(await load(ourUrl, ms));
        b.push(await load(bareUrl, ms));
      }
      const rate = (l: Load) => l.requests / l.seconds;
      const errors = a.reduce((n, l) => n + l.errors, 0) + b.reduce((n, l) => n + l.errors, 0);
      const r = compare(
        "townhall GET /v1/status",
        "req/s",
        median(a.map(rate)),
        median(b.map(rate)),
        { min: 0.3 },
        `${CLIENTS} clients, median of ${rounds} x ${ms} ms; p50/p99 ` +
          `${median(a.map((l) => l.p50_ms)).toFixed(2)}/${
            median(a.map((l) => l.p99_ms)).toFixed(2)
          } ms ` +
          `vs bare Deno.serve ${median(b.map((l) => l.p50_ms)).toFixed(2)}/` +
          `${median(b.map((l) => l.p99_ms)).toFixed(2)} ms; ${errors} errors`,
      );
      if (errors > 0) r.pass = false;
      return [r];
    } finally {
      await bare.shutdown();
    }
  } finally {
    await ours.shutdown();
    await town.close();
    await redis.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const results = await runTownhallBench({
    quick: Deno.args.includes("--quick"),
    log: (l) => console.error(l),
  });
  for (const r of results) console.log(formatResult(r));
}
