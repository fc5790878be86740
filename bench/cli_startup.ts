/**
 * CLI start-up of the commands agents run in every round, as ratios against a bare `deno run`
 * of a one-line script measured in the same run, interleaved (bare, send, status, bare, ...):
 * - `tt send <agent> <text>` on a small town / bare (goal <= 1.3);
 * - `tt status` on a small town (3 agents, 10 tasks) / bare (goal <= 1.3);
 * - `tt --version` / bare (the fast path's own floor; goal <= 1.3).
 */
import { type BenchResult, compare, median, runTimed } from "./lib.ts";
import { initTown } from "../src/service/town_init.ts";
import { openTown } from "../src/town/town.ts";
import { openTestStore } from "../tests/helpers/store.ts";
import { agentToHash, newAgent } from "../src/model/agent.ts";
import { newTask, taskToHash } from "../src/model/task.ts";
import { envFrom } from "../src/town/env.ts";
import { stopTown } from "../src/service/town_stop.ts";

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
  try {
    await initTown(dir, { name: "startup", env: envFrom(env) });
    await populate(dir);
    const tt = (...args: string[]) => [DENO, ["run", "--allow-all", "--quiet", MAIN, ...args]];
    const timed = async ([program, args]: (string | string[])[]) => {
      const run = await runTimed(program as string, args as string[], { env });
      if (run.code !== 0) throw new Error(`tt failed (${run.code}): ${run.stderr.trim()}`);
      return run.ms;
    };
    log("CLI start-up (send, status, --version vs bare deno run)...");
    const rounds = options.quick ? 3 : 15;
    const bare: number[] = [];
    const send: number[] = [];
    const status: number[] = [];
    const version: number[] = [];
    for (let i = 0; i < rounds; i++) {
      bare.push(await timed([DENO, ["run", "--quiet", ONE_LINER]]));
      send.push(await timed(tt("--town", dir, "send", "worker-0", `job ${i}`)));
      status.push(await timed(tt("--town", dir, "status")));
      version.push(await timed(tt("--version")));
    }
    const floor = median(bare);
    const note = `medians of ${rounds}, interleaved with a bare \`deno run\` of a one-line script`;
    return [
      compare("tt send (small town)", "ms", median(send), floor, { max: 1.3 }, note),
      compare("tt status (small town)", "ms", median(status), floor, { max: 1.3 }, note),
      compare("tt --version", "ms", median(version), floor, { max: 1.3 }, note),
    ];
  } finally {
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
