/** Runs `tt agent-loop` without the full CLI; errors are printed as one line, like the CLI. */
import { describeError, TtError } from "../errors.ts";
import { parseId } from "../model/ids.ts";
import { runAgentHost, runAgentLoop } from "../agent/loop_process.ts";
import type { AgentLoopArgs } from "./agent_loop_args.ts";
import { writeErr } from "./output.ts";

export async function runAgentLoopEntry(args: AgentLoopArgs): Promise<number> {
  const id = parseId(args.id);
  if (!id) {
    writeErr(`error: invalid agent id: ${args.id}\n`);
    return 2;
  }
  try {
    const end = await runAgentLoop({
      root: args.town,
      name: args.name,
      id,
      maxRounds: args.maxRounds,
    });
    return end === "error" ? 1 : 0;
  } catch (err) {
    writeErr(`error: ${describeError(err)}\n`);
    return err instanceof TtError ? err.exitCode : 1;
  }
}

/** Runs `tt agent-host` (a town's loops on this machine; its first loop on the command line). */
export async function runAgentHostEntry(args: AgentLoopArgs & { key: string }): Promise<number> {
  const id = parseId(args.id);
  if (!id) {
    writeErr(`error: invalid agent id: ${args.id}\n`);
    return 2;
  }
  try {
    await runAgentHost(args.town, args.key, {
      root: args.town,
      name: args.name,
      id,
      maxRounds: args.maxRounds,
    });
    return 0;
  } catch (err) {
    writeErr(`error: ${describeError(err)}\n`);
    return err instanceof TtError ? err.exitCode : 1;
  }
}
