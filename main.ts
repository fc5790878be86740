#!/usr/bin/env -S deno run --allow-read --allow-write --allow-net --allow-run --allow-env --allow-sys
/** tt: entry point. Only wires the CLI; everything else lives in src/. */
import { agentHostArgs, agentLoopArgs } from "./src/cli/agent_loop_args.ts";

// Agent loops are long-lived background processes: they skip the command-line parser and the
// other command groups, which saves start-up time and memory in every loop.
const loop = agentLoopArgs(Deno.args);
const host = loop ? undefined : agentHostArgs(Deno.args);
const code = loop
  ? await (await import("./src/cli/agent_loop_entry.ts")).runAgentLoopEntry(loop)
  : host
  ? await (await import("./src/cli/agent_loop_entry.ts")).runAgentHostEntry(host)
  : await (await import("./src/cli/app.ts")).runCli(Deno.args);
Deno.exit(code);
