/** Runs `tt agent-loop` without the full CLI; errors are printed as one line, like the CLI. */
import { describeError, TtError } from "../errors.ts";
import { parseId } from "../model/ids.ts";
import { runAgentLoop } from "../agent/loop.ts";
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
