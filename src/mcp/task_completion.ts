/**
 * `task.complete` as `tt task complete` does it. tt's mission service, which would add the
 * mission completion hook (the reference's MCP tool skips it), has not landed; when it does,
 * its hook is called here.
 */
import * as tasks from "../service/tasks.ts";
import type { TownContext } from "../service/context.ts";

/** Completes the task (id or 4+ character prefix). */
export async function completeTask(
  ctx: TownContext,
  ref: string,
  result?: string,
): Promise<tasks.TaskEnd> {
  return await tasks.complete(ctx, ref, result);
}
