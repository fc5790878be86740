/**
 * What one scheduler pass, submission or dispatcher tick reads once and shares: the store, the
 * town's agents and tasks (refreshed with the tasks it creates), and the mission settings.
 */
import type { Agent } from "../model/agent.ts";
import type { Task } from "../model/task.ts";
import type { Store } from "../store/store.ts";
import { DEFAULT_MISSION_CONFIG, type MissionConfig } from "./config.ts";

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

  /** Remembers a task this pass created or changed, so later steps see it. */
  noteTask(task: Task): void {
    const i = this.tasks.findIndex((t) => t.id === task.id);
    if (i >= 0) this.tasks[i] = task;
    else this.tasks.push(task);
  }
}
