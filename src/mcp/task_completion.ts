/**
 * `task.complete` as `tt task complete` does it, mission hook included (the reference's MCP tool
 * skips it): a completed mission task moves its work item on.
 */
import { type CompletionSync, onTaskCompleted } from "../mission/service.ts";
import type { TownContext } from "../service/context.ts";
import * as tasks from "../service/tasks.ts";
import { missionEnv } from "./mission_env.ts";

/** Completes the task (id or 4+ character prefix), then runs the mission hook, as the CLI. */
export async function completeTask(
  ctx: TownContext,
  ref: string,
  result?: string,
): Promise<tasks.TaskEnd & { missionSync?: CompletionSync }> {
  const end = await tasks.complete(ctx, ref, result);
  const missionSync = await onTaskCompleted(missionEnv(ctx), end.task);
  return missionSync ? { ...end, missionSync } : end;
}
