/**
 * What one scheduler pass, submission or dispatcher tick reads once and shares: the store, the
 * town's agents and tasks (refreshed with the tasks it creates), and the mission settings.
 */
import type { Agent } from "../model/agent.ts";
import { isTaskTerminal, type Task } from "../model/task.ts";
import type { Store } from "../store/store.ts";
import { DEFAULT_MISSION_CONFIG, type MissionConfig } from "./config.ts";
import { missionTaskInfo, type MissionTaskKind } from "./mission_tasks.ts";

export class PassContext {
  private constructor(
    readonly store: Store,
    readonly agents: Agent[],
    readonly tasks: Task[],
    readonly config: MissionConfig,
  ) {}

  static async load(store: Store, config = DEFAULT_MISSION_CONFIG): Promise<PassContext> {
    const [agents, tasks] = await Promise.all([store.agents.list(), store.tasks.list()]);
    return new PassContext(store, agents, tasks, config);
  }

  agent(id: string | null | undefined): Agent | undefined {
    return id ? this.agents.find((a) => a.id === id) : undefined;
  }

  idleAgents(): Agent[] {
    return this.agents.filter((a) => a.state === "idle");
  }

  #live: Map<string, { task: Task; kind: MissionTaskKind }[]> | undefined;

  /**
   * Open mission tasks of one work item (tagged with a kind), optionally of one kind. Indexed
   * once per pass: a tick over many missions asks this for every item.
   */
  liveTasks(missionId: string, itemId: string, kind?: MissionTaskKind): Task[] {
    if (!this.#live) {
      this.#live = new Map();
      for (const task of this.tasks) {
        if (isTaskTerminal(task.state)) continue;
        const info = missionTaskInfo(task);
        if (!info?.tagged) continue;
        const key = `${info.missionId}:${info.itemId}`;
        const list = this.#live.get(key) ?? [];
        list.push({ task, kind: info.kind });
        this.#live.set(key, list);
      }
    }
    return (this.#live.get(`${missionId}:${itemId}`) ?? [])
      .filter((t) => kind === undefined || t.kind === kind).map((t) => t.task);
  }

  /** Remembers a task this pass created or changed, so later steps see it. */
  noteTask(task: Task): void {
    this.#live = undefined;
    const i = this.tasks.findIndex((t) => t.id === task.id);
    if (i >= 0) this.tasks[i] = task;
    else this.tasks.push(task);
  }
}
