/**
 * The program of `tt`: main.ts and the bundled build (src/bundle/entry.ts) both run this.
 *
 * Agent loops are long-lived background processes: they skip the command-line parser and the
 * other command groups, which saves start-up time and memory in every loop. The common commands
 * (send, task complete, status, ...) run without commander when their line is plain; only
 * the others load the full parser (lazily: see src/lazy.ts).
 */
import { agentHostArgs, agentLoopArgs } from "./agent_loop_args.ts";
import { runFast } from "./fast/run.ts";
import { lazyImport } from "../lazy.ts";

type LoopEntry = typeof import("./agent_loop_entry.ts");
type App = typeof import("./app.ts");

/** Runs tt with `argv` (the arguments after the program) and returns its exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const loop = agentLoopArgs(argv);
  const host = loop ? undefined : agentHostArgs(argv);
  const entry = () => lazyImport<LoopEntry>("src/cli/agent_loop_entry.ts");
  if (loop) return await (await entry()).runAgentLoopEntry(loop);
  if (host) return await (await entry()).runAgentHostEntry(host);
  return await runFast(argv) ?? await (await lazyImport<App>("src/cli/app.ts")).runCli([...argv]);
}
