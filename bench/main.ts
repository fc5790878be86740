/**
 * `deno task bench`: every benchmark, as ratios against floors measured in the same run
 * (redis-benchmark on the same socket, a bare `deno run`, raw Redis round trips).
 * `--quick` is a smoke run; `--json` prints the results as JSON.
 */
import { runAgentBench } from "./agents.ts";
import { runCliStartupBench } from "./cli_startup.ts";
import { runIdleAgentBench } from "./idle_agents.ts";
import { runLibraryBench } from "./library.ts";
import { runMcpBench } from "./mcp.ts";
import { type BenchResult, formatResult } from "./lib.ts";
import { runMissionBench } from "./mission.ts";
import { runRedisBench } from "./redis.ts";
import { runTownhallBench } from "./townhall.ts";

const quick = Deno.args.includes("--quick");
const json = Deno.args.includes("--json");
const log = (line: string) => console.error(line);

const results: BenchResult[] = [
  ...await runRedisBench({ quick, log }),
  ...await runCliStartupBench({ quick, log }),
  ...await runAgentBench({ quick, log }),
  ...await runIdleAgentBench({ quick, log }),
  ...await runLibraryBench({ quick, log }),
  ...await runMissionBench({ quick, log }),
  ...await runTownhallBench({ quick, log }),
  ...await runMcpBench({ quick, log }),
];
if (json) console.log(JSON.stringify(results, null, 2));
else {
  console.log(
    `\ntt benchmarks (${quick ? "quick smoke run" : "full run"}), ${new Date().toISOString()}`,
  );
  for (const r of results) console.log(formatResult(r));
  const withGoal = results.filter((r) => r.goal.max !== undefined || r.goal.min !== undefined);
  const missed = withGoal.filter((r) => !r.pass).length;
  console.log(`\n${withGoal.length - missed} of ${withGoal.length} goals met`);
}
