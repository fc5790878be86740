/**
 * Library benchmarks (mod.ts), each against a floor measured in the same run on the same
 * private redis-server:
 * (a) `channel.send` -> `channel.receive` round trip, the receiver already waiting: p50 at
 *     most 2x the p50 of a PING round trip of the same client library;
 * (b) 10,000 messages sent with `channel.sendMany` (pipelines): at least 0.5x the LPUSH rate
 *     of `redis-benchmark -c 1 -P 16 -t lpush` with values of the same size.
 * Each side is measured in alternating rounds and medians compared.
 *
 *   deno run -A bench/library.ts [--quick]
 */
import { encodeMessage } from "../src/model/message.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { newId, newMessage, SUPERVISOR_ID, Town } from "../mod.ts";
import {
  alternate,
  type BenchResult,
  compare,
  formatResult,
  median,
  percentile,
  redisBenchmarkRate,
  startTempRedis,
} from "./lib.ts";

export interface LibraryBenchOptions {
  /** Fewer rounds: a smoke run, not a measurement. */
  quick?: boolean;
  /** Progress lines; default silent. */
  log?: (line: string) => void;
}

const MESSAGES = 10_000;

export async function runLibraryBench(options: LibraryBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? (() => {});
  const rounds = options.quick ? 2 : 7;
  const trips = options.quick ? 200 : 2000;
  const redis = await startTempRedis();
  const home = await Deno.makeTempDir({ prefix: "tt-bench-lib-home-" });
  const dir = await Deno.makeTempDir({ prefix: "tt-bench-lib-" });
  const url = `unix://${redis.socket}`;
  const town = await Town.init(dir, "bench-lib", { env: { TT_HOME: home, REDIS_URL: url } });
  const probe = await RedisClient.connect(url);
  try {
    const results: BenchResult[] = [];

    log("send -> receive round trip...");
    const agent = newId();
    const trip = await alternate(
      rounds,
      () => sendReceiveP50(town, probe, agent, trips),
      () => pingP50(probe, trips),
    );
    results.push(compare(
      "send -> receive round trip",
      "us",
      median(trip.ours),
      median(trip.theirs),
      { max: 2 },
      `p50 of ${trips} trips (receiver waiting in receive) vs p50 of ${trips} PINGs of the ` +
        `same client, median of ${rounds} rounds`,
    ));

    log(`${MESSAGES} messages in pipelines...`);
    const sample = encodeMessage(
      newMessage(SUPERVISOR_ID, agent, { type: "task", description: "Fix the bug in auth.ts" }),
    );
    const bytes = new TextEncoder().encode(sample).length;
    const bulk = await alternate(
      rounds,
      () => sendManyRate(town, probe),
      () => lpushRate(redis.socket, bytes),
    );
    results.push(compare(
      `sendMany (${MESSAGES.toLocaleString("en-US")} messages)`,
      "msg/s",
      median(bulk.ours),
      median(bulk.theirs),
      { min: 0.5 },
      `vs redis-benchmark -c 1 -P 16 -t lpush -n ${MESSAGES} -d ${bytes} (the message size), ` +
        `median of ${rounds} rounds`,
    ));
    return results;
  } finally {
    await probe.close();
    await town.close();
    await redis.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

/** p50 (us) of send -> receive, each timed from the send until receive has the message. */
async function sendReceiveP50(
  town: Town,
  probe: RedisClient,
  agent: string,
  trips: number,
): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < trips + 200; i++) {
    const waiting = town.channel.receive(agent, 10_000);
    // Untimed: the receiver must be waiting in BLMOVE before the clock starts.
    // (No timer between the looks: an idle redis-server would then be timed waking up.)
    while (Number((await probe.info("clients"))["blocked_clients"]) < 1);
    const m = newMessage(SUPERVISOR_ID, agent, { type: "ping" });
    const started = performance.now();
    await town.channel.send(m);
    const got = await waiting;
    const elapsed = performance.now() - started;
    if (got?.id !== m.id) throw new Error("receive returned the wrong message");
    if (i >= 200) samples.push(elapsed * 1000); // the first 200 warm up the JIT
  }
  return percentile(samples, 50);
}

/** p50 (us) of one PING round trip. */
async function pingP50(client: RedisClient, trips: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < trips + 200; i++) {
    const started = performance.now();
    await client.command(["PING"]);
    if (i >= 200) samples.push((performance.now() - started) * 1000);
  }
  return percentile(samples, 50);
}

/** Messages per second for one sendMany of MESSAGES messages (built beforehand). */
async function sendManyRate(town: Town, probe: RedisClient): Promise<number> {
  const to = newId();
  const messages = Array.from(
    { length: MESSAGES },
    () => newMessage(SUPERVISOR_ID, to, { type: "task", description: "Fix the bug in auth.ts" }),
  );
  await town.channel.sendMany(messages.slice(0, 500)); // warm up
  const started = performance.now();
  await town.channel.sendMany(messages);
  const rate = MESSAGES / ((performance.now() - started) / 1000);
  if ((await town.channel.inboxLen(to)) !== MESSAGES + 500) throw new Error("messages missing");
  await probe.del(`tt:bench-lib:inbox:${to}`);
  return rate;
}

/** LPUSH requests per second redis-benchmark reports for one connection, 16 per pipeline. */
function lpushRate(socket: string, bytes: number): Promise<number> {
  const args = ["-P", "16", "-n", String(MESSAGES), "-d", String(bytes)];
  return redisBenchmarkRate(socket, "lpush", "LPUSH", args);
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const results = await runLibraryBench({ quick, log: (l) => console.error(l) });
  for (const r of results) console.log(formatResult(r));
}
