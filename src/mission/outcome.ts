/**
 * Ending a mission by hand (REST `POST /v1/missions/{id}/complete` and `/fail`, townhall.md
 * §3.7): completed or failed from any state, out of the active set, with a log line.
 */
import { completeMission, failMission } from "../model/mission.ts";
import { loadMission, type MissionEnv } from "./env.ts";
import type { ChangeResult } from "./service.ts";

/** Marks the mission completed (already completed: nothing changes, `note` says so). */
export async function complete(env: MissionEnv, ref: string, via = "API"): Promise<ChangeResult> {
  const ws = await loadMission(env, ref);
  if (ws.mission.state === "completed") {
    return { mission: ws.mission, retired: 0, note: "already completed" };
  }
  ws.setMission(completeMission(ws.mission));
  ws.setActive(false);
  ws.log(`Mission completed via ${via}`);
  await ws.flush(env.store);
  return { mission: ws.mission, retired: 0 };
}

/** Marks the mission failed with `reason`, from any state. */
export async function fail(
  env: MissionEnv,
  ref: string,
  reason = "Marked failed via API",
  via = "API",
): Promise<ChangeResult> {
  const ws = await loadMission(env, ref);
  ws.setMission(failMission(ws.mission, reason));
  ws.setActive(false);
  ws.log(`Mission failed via ${via}: ${reason}`);
  await ws.flush(env.store);
  return { mission: ws.mission, retired: 0 };
}
