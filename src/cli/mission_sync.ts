/**
 * The mission hook of `tt task complete`: a completed mission task moves its work item on
 * (service: onTaskCompleted). Printed as the "Mission sync" lines tinytown prints.
 */
import { lazyImport } from "../lazy.ts";
import { missionConfigFrom } from "../mission/config.ts";
import { missionTaskInfo } from "../mission/mission_tasks.ts";
import type { CompletionSync } from "../mission/service.ts";
import type { Task } from "../model/task.ts";
import type { Store } from "../store/store.ts";
import type { Town } from "../town/town.ts";

/** The mission service, loaded only for a mission's task: most tasks have none (src/lazy.ts). */
const missionService = () =>
  lazyImport<typeof import("../mission/service.ts")>("src/mission/service.ts");

export async function syncMissionAfterCompletion(
  town: Town,
  store: Store,
  task: Task,
): Promise<CompletionSync | undefined> {
  // A broken [mission] table fails every completion, as it always has.
  const config = missionConfigFrom(town.config.raw);
  if (missionTaskInfo(task) === undefined) return undefined; // onTaskCompleted's own first test
  const { onTaskCompleted } = await missionService();
  return await onTaskCompleted({ store, root: town.root, config }, task);
}

export function missionSyncJson(s: CompletionSync | undefined) {
  if (!s) return null;
  return {
    mission_id: s.missionId,
    work_item_id: s.itemId,
    outcome: s.outcome,
    total_promoted: s.pass?.promoted ?? 0,
    total_assigned: s.pass?.assigned ?? 0,
  };
}

export function missionSyncLines(s: CompletionSync | undefined): string[] {
  if (!s) return [];
  switch (s.outcome) {
    case "completed":
      return [
        `Mission sync: work item completed; scheduler promoted ${s.pass?.promoted ?? 0} and ` +
        `assigned ${s.pass?.assigned ?? 0}`,
      ];
    case "waiting_for_review":
      return ["Mission sync: work item submitted; waiting on reviewer approval"];
    case "waiting_for_external":
      return ["Mission sync: work item submitted; waiting on PR/CI/Bugbot/merge watches"];
    case "mission_not_found":
      return [`warning: mission ${s.missionId} of this task no longer exists`];
    case "work_item_not_found":
      return [`warning: work item ${s.itemId} of this task is not in mission ${s.missionId}`];
    default:
      return [`Mission sync: ${s.outcome}`];
  }
}
