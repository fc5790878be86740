/**
 * A round that ends well but leaves its task open (no `tt task complete`, no `tt task fail`):
 * the task's message is offered again, with a note in the prompt, and after
 * `[agent] max_task_rounds` such rounds the task fails and the conductor is told. The count is
 * kept on the task record (`unfinished_rounds`).
 */
import type { Agent } from "../model/agent.ts";
import { newEvent } from "../model/event.ts";
import { parseId, shortId, SUPERVISOR_ID } from "../model/ids.ts";
import { newMessage } from "../model/message.ts";
import { failTask, type Task, taskStateDisplayName } from "../model/task.ts";
import type { Taken } from "../store/mailbox.ts";
import type { Store } from "../store/store.ts";

const OPEN: readonly Task["state"][] = ["assigned", "running"];

/**
 * After a successful round: the `task_assign` messages of `taken` whose task this agent left
 * open, to go back to the inbox. Tasks over the limit are failed instead.
 */
export async function unfinishedTasks(
  store: Store,
  agent: Agent,
  taken: readonly Taken[],
  maxTaskRounds: number,
  log: (line: string) => void,
): Promise<Taken[]> {
  const requeue: Taken[] = [];
  const seen = new Set<string>();
  for (const t of taken) {
    const body = t.message.body;
    const id = body.type === "task_assign" ? parseId(body.taskId) : undefined;
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    const task = await store.tasks.get(id);
    if (!task || !OPEN.includes(task.state)) continue;
    if (task.assignedTo !== undefined && task.assignedTo !== agent.id) continue;
    const rounds = (task.unfinishedRounds ?? 0) + 1;
    if (rounds >= maxTaskRounds) {
      await failUnfinished(store, agent, task, rounds, log);
      continue;
    }
    const counted = await store.tasks.update(
      { ...task, unfinishedRounds: rounds },
      ["unfinishedRounds"],
      OPEN,
    );
    if (counted !== "written") continue;
    log(
      `Task ${shortId(id)} still ${task.state} after the round (${rounds} of ${maxTaskRounds}); ` +
        "offering it again",
    );
    requeue.push(t);
  }
  return requeue;
}

async function failUnfinished(
  store: Store,
  agent: Agent,
  task: Task,
  rounds: number,
  log: (line: string) => void,
): Promise<void> {
  const reason = `${rounds} rounds of agent ${agent.name} ended without \`tt task complete\` ` +
    "or `tt task fail`";
  const failed: Task = { ...failTask(task, reason), unfinishedRounds: rounds };
  const r = await store.tasks.update(
    failed,
    ["state", "result", "completedAt", "updatedAt", "unfinishedRounds"],
    OPEN,
  );
  if (r !== "written") return; // finished or reassigned meanwhile: that stands
  log(`Task ${shortId(task.id)} failed: ${reason}`);
  await store.agents.releaseTask(agent.id, task.id);
  await store.events.emit(
    newEvent("task_failed", `Task ${shortId(task.id)} failed: ${reason}`, {
      agentId: agent.id,
      taskId: task.id,
      oldState: taskStateDisplayName(task.state),
      newState: taskStateDisplayName("failed"),
    }),
  );
  await store.mailbox.send(
    newMessage(agent.id, SUPERVISOR_ID, { type: "task_failed", taskId: task.id, error: reason }),
  );
  await store.activity.add(agent.id, `❌ Task ${shortId(task.id)} failed: ${reason}`);
}
