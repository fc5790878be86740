/**
 * A town full of active missions for the mission benchmark and its round-trip test: `missions`
 * running missions of `items` work items each (two in flight with live tasks, the rest waiting
 * on the first), watches not yet due, and busy agents — a scheduler tick's steady state.
 */
import { newAgent } from "../src/model/agent.ts";
import {
  DEFAULT_POLICY,
  newMission,
  newWatch,
  newWorkItem,
  startMission,
  type WorkItem,
} from "../src/model/mission.ts";
import { jsonTime } from "../src/model/time.ts";
import { assignTask, newTask, startTask } from "../src/model/task.ts";
import { missionTags } from "../src/mission/mission_tasks.ts";
import type { Store } from "../src/store/store.ts";

export async function seedMissions(
  store: Store,
  opts: { missions: number; items: number; agents?: number },
): Promise<string[]> {
  const agents = Array.from({ length: opts.agents ?? 10 }, (_, i) => ({
    ...newAgent(`worker-${i}`, "sh"),
    state: "working" as const,
  }));
  for (const a of agents) await store.agents.save(a);
  const ids: string[] = [];
  for (let m = 0; m < opts.missions; m++) {
    const mission = startMission(newMission(
      [{ type: "issue", owner: "acme", repo: "app", number: m + 1 }],
      { ...DEFAULT_POLICY, max_parallel_items: 2 },
    ));
    const first = newWorkItem(mission.id, { title: `m${m} item 0` });
    const items: WorkItem[] = [first];
    for (let i = 1; i < opts.items; i++) {
      items.push(newWorkItem(mission.id, {
        title: `m${m} item ${i}`,
        depends_on: i === 1 ? [] : [first.id],
      }));
    }
    const later = jsonTime(new Date(Date.now() + 3600_000));
    const watches = [0, 1].map((i) => ({
      ...newWatch(items[i], "pr_checks", `acme/app#${m * 10 + i}`, "create_fix_task", 180),
      next_due_at: later,
    }));
    for (const i of [0, 1]) {
      const agent = agents[(2 * m + i) % agents.length];
      items[i] = { ...items[i], status: i === 0 ? "running" : "assigned", assigned_to: agent.id };
      let task = assignTask(
        newTask(`[Mission Work Item] ${items[i].title}`, {
          tags: missionTags(mission.id, items[i].id, "work"),
        }),
        agent.id,
      );
      if (i === 0) task = startTask(task);
      await store.tasks.create(task);
    }
    await store.missions.write({ mission, items, watches, active: { id: mission.id, add: true } });
    ids.push(mission.id);
  }
  return ids;
}
