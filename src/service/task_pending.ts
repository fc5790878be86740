/**
 * Pending tasks as the townhall faces list them (MCP `task.list_pending`): for every agent,
 * the task messages waiting in the first 100 entries of its regular inbox (townhall.md §4.2).
 */
import { newId } from "../model/ids.ts";
import type { TownContext } from "./context.ts";

/** One task waiting in an agent's inbox. */
export interface PendingTask {
  agentId: string;
  agentName: string;
  /** The task's id; a free-text task message has none, so it gets a fresh one per listing. */
  taskId: string;
  description: string;
}

/** Every task waiting in an inbox: task_assign messages whose task exists, and free-text tasks. */
export async function listPending(ctx: TownContext): Promise<PendingTask[]> {
  const { store } = ctx;
  const agents = await store.agents.list();
  const peeks = await Promise.all(agents.map((a) => store.mailbox.peek(a.id, 100)));
  const out: PendingTask[] = [];
  for (const [i, agent] of agents.entries()) {
    const messages = peeks[i].messages;
    const ids = messages.flatMap((m) => (m.body.type === "task_assign" ? [m.body.taskId] : []));
    const tasks = new Map(
      (await store.tasks.getMany(ids)).flatMap((t) => (t ? [[t.id, t]] : [])),
    );
    for (const m of messages) {
      const base = { agentId: agent.id, agentName: agent.name };
      if (m.body.type === "task_assign") {
        const task = tasks.get(m.body.taskId);
        if (task) out.push({ ...base, taskId: task.id, description: task.description });
      } else if (m.body.type === "task") {
        out.push({ ...base, taskId: newId(), description: m.body.description });
      }
    }
  }
  return out;
}
