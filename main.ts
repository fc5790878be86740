#!/usr/bin/env -S deno run --allow-read --allow-write --allow-net --allow-run --allow-env --allow-sys
/** tt: entry point. Only wires the CLI; everything else lives in src/. */
import { agentHostArgs, agentLoopArgs } from "./src/cli/agent_loop_args.ts";
import { runFast } from "./src/cli/fast/run.ts";
import { lazyImport } from "./src/lazy.ts";

type LoopEntry = typeof import("./src/cli/agent_loop_entry.ts");
type App = typeof import("./src/cli/app.ts");

// Agent loops are long-lived background processes: they skip the command-line parser and the
// other command groups, which saves start-up time and memory in every loop. The common commands
// (send, task complete, status, ...) run without commander when their line is plain; only
// the others load the full parser (lazily: see src/lazy.ts).
const loop = agentLoopArgs(Deno.args);
const host = loop ? undefined : agentHostArgs(Deno.args);
const entry = () => lazyImport<LoopEntry>("./src/cli/agent_loop_entry.ts", import.meta.url);
const code = loop
  ? await (await entry()).runAgentLoopEntry(loop)
  : host
  ? await (await entry()).runAgentHostEntry(host)
  : await runFast(Deno.args) ??
    await (await lazyImport<App>("./src/cli/app.ts", import.meta.url)).runCli(Deno.args);
Deno.exit(code);
