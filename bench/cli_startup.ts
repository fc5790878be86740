/**
 * CLI start-up of the commands agents run in every round, as ratios against a bare `deno run`
 * of a one-line script measured in the same run, interleaved (bare, send, status, ...), for
 * both forms of tt that run on deno:
 * - the bundle (`deno task bundle` / `deno task install`: dist/bundle/tt.js, run with
 *   --no-config), against a bare `deno run --no-config`: `tt send <agent> <text>` and
 *   `tt status` on a small town (3 agents, 10 tasks), goal <= 1.3, and `tt --version`;
 * - main.ts from source, against a bare `deno run` in the checkout (which reads its deno.json
 *   and lock file, as main.ts does): the same commands, recorded without a goal.
 */
import { type BenchResult, compare, median, runTimed } from "./lib.ts";
import { initTown } from "../src/service/town_init.ts";
import { openTown } from "../src/town/town.ts";
import { openTestStore } from "../tests/helpers/store.ts";
import { agentToHash, newAgent } from "../src/model/agent.ts";
import { newTask, taskToHash } from "../src/model/task.ts";
import { envFrom } from "../src/town/env.ts";
import { stopTown } from "../src/service/town_stop.ts";
import { BUNDLE_COMMAND_FLAGS } from "../src/bundled.ts";
import { buildBundle } from "../scripts/bundle.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const ONE_LINER = new URL("./fixtures/noop.ts", import.meta.url).pathname;
const DENO = Deno.execPath();

export interface CliStartupOptions {
  quick?: boolean;
  log?: (line: string) => void;
}

export async function runCliStartupBench(options: CliStartupOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? (() => {});
  const home = await Deno.makeTempDir({ prefix: "tt-bench-home-" });
  const dir = await Deno.makeTempDir({ prefix: "tt-bench-town-" });
  const env = { TT_HOME: home, NO_COLOR: "1" };
  const cleanups: (() => Promise<void>)[] = [];
  try {
    await initTown(dir, { name: "startup", env: envFrom(env) });
    await populate(dir);
    const bundleDir = await Deno.makeTempDir({ prefix: "tt-bench-bundle-" });
    cleanups.push(() => Deno.remove(bundleDir, { recursive: true }));
    const { main: bundled } = await buildBundle(`${bundleDir}/bundle`);
    const source = (...args: string[]) => [DENO, ["run", "--allow-all", "--quiet", MAIN, ...args]];
    const bundle = (
      ...args: string[]
    ) => [DENO, ["run", ...BUNDLE_COMMAND_FLAGS, bundled, ...args]];
    const timed = async ([program, args]: (string | string[])[]) => {
      const run = await runTimed(program as string, args as string[], { env });
      if (run.code !== 0) throw new Error(`tt failed (${run.code}): ${run.stderr.trim()}`);
      return run.ms;
    };
    log("CLI start-up (send, status, --version; bundle and source vs bare deno run)...");
    const rounds = options.quick ? 3 : 15;
    const runs = {
      bare: [] as number[],
      bareNoConfig: [] as number[],
      send: [] as number[],
      status: [] as number[],
      version: [] as number[],
      sourceSend: [] as number[],
      sourceStatus: [] as number[],
      sourceVersion: [] as number[],
    };
    for (let i = 0; i < rounds; i++) {
      runs.bareNoConfig.push(await timed([DENO, ["run", "--quiet", "--no-config", ONE_LINER]]));
      runs.send.push(await timed(bundle("--town", dir, "send", "worker-0", `job ${i}`)));
      runs.status.push(await timed(bundle("--town", dir, "status")));
      runs.version.push(await timed(bundle("--version")));
      runs.bare.push(await timed([DENO, ["run", "--quiet", ONE_LINER]]));
      runs.sourceSend.push(await timed(source("--town", dir, "send", "worker-0", `src ${i}`)));
      runs.sourceStatus.push(await timed(source("--town", dir, "status")));
      runs.sourceVersion.push(await timed(source("--version")));
    }
    const floor = median(runs.bareNoConfig);
    const sourceFloor = median(runs.bare);
    const note = `medians of ${rounds}, interleaved with a bare \`deno run --no-config\` of a ` +
      "one-line script";
    const sourceNote =
      `main.ts from source / a bare \`deno run\` in the checkout, medians of ${rounds}`;
    return [
      compare("tt send (small town)", "ms", median(runs.send), floor, { max: 1.3 }, note),
      compare("tt status (small town)", "ms", median(runs.status), floor, { max: 1.3 }, note),
      compare("tt --version", "ms", median(runs.version), floor, { max: 1.3 }, note),
      compare("source: tt send", "ms", median(runs.sourceSend), sourceFloor, {}, sourceNote),
      compare("source: tt status", "ms", median(runs.sourceStatus), sourceFloor, {}),
      compare("source: tt --version", "ms", median(runs.sourceVersion), sourceFloor, {}),
    ];
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
    await stopTown(dir, envFrom(env)).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

/** Three idle agents and ten tasks, written straight into the store. */
async function populate(dir: string): Promise<void> {
  const town = await openTown(dir);
  try {
    const store = openTestStore(town.redis, town.name);
    const p = store.redis.pipeline();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const a = { ...newAgent(`worker-${i}`, "claude"), state: "idle" as const };
      ids.push(a.id);
      p.add("HSET", store.keys.agent(a.id), ...Object.entries(agentToHash(a).set).flat());
      p.add("SADD", store.keys.agentsIndex, a.id);
    }
    for (let i = 0; i < 10; i++) {
      const t = {
        ...newTask(`small task ${i}`),
        assignedTo: ids[i % 3],
        state: "assigned" as const,
      };
      p.add("HSET", store.keys.task(t.id), ...Object.entries(taskToHash(t).set).flat());
      p.add("SADD", store.keys.tasksIndex, t.id);
    }
    await p.execOrThrow();
  } finally {
    await town.close();
  }
}

if (import.meta.main) {
  const { formatResult } = await import("./lib.ts");
  const quick = Deno.args.includes("--quick");
  for (const r of await runCliStartupBench({ quick, log: console.log })) {
    console.log(formatResult(r));
  }
}
