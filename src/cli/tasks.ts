/**
 * Task commands: assign, task (show, list, complete, fail, current), tasks. Parsing and
 * printing only; the work is in src/service/task_ops.ts.
 *
 * Unlike tinytown, an unknown or malformed task id is an error (one line, exit 1) everywhere:
 * tinytown prints "Task … not found" and exits 0 for show/complete, which hides typos in
 * scripts.
 */
import { type Command, InvalidArgumentError } from "commander";
import { shortId } from "../model/ids.ts";
import { truncateSummary } from "../model/message.ts";
import {
  isTaskTerminal,
  type Task,
  TASK_STATES,
  type TaskState,
  taskStateDisplayName,
  taskStateIcon,
  taskToJson,
} from "../model/task.ts";
import { processEnv } from "../town/env.ts";
import {
  assignNewTask,
  completeTaskRef,
  currentTask,
  type EndResult,
  failTaskRef,
  listTasks,
  parseStateFilter,
  showTask,
  type TasksOverview,
  tasksOverview,
  type TaskView,
} from "../service/task_ops.ts";
import { withTown } from "./context.ts";
import { missionSyncJson, missionSyncLines, syncMissionAfterCompletion } from "./mission_sync.ts";
import { report } from "./output.ts";

export function registerTasksCommands(program: Command): void {
  program
    .command("assign")
    .description("create a task for an agent and send it a task_assign message")
    .argument("<agent>", "agent reference, or 'conductor'")
    .argument("<task>", "task description")
    .option("--json", "print the result as JSON")
    .action(async (agent: string, description: string, opts: Json, cmd: Command) => {
      await withTown(cmd, async (_town, store) => {
        const r = await assignNewTask(store, agent, description);
        report(opts.json, { task_id: r.task.id, agent_id: r.agentId }, () => [
          `Assigned task ${r.task.id} to agent '${agent}'`,
        ]);
      });
    });

  const task = program
    .command("task")
    .description("show, list, complete or fail tasks")
    .helpCommand(false);

  task
    .command("show")
    .description("show one task")
    .argument("<task>", "task id (full, or a unique prefix of 4+ characters)")
    .option("--json", "print the task as JSON")
    .action(async (ref: string, opts: Json, cmd: Command) => {
      await withTown(cmd, async (_town, store) => {
        const v = await showTask(store, ref);
        report(opts.json, taskJson(v.task, v.assigneeLabel), () => showLines(v));
      }, { readOnly: true });
    });

  task
    .command("list")
    .description("list tasks, oldest first")
    .option("-s, --state <state>", `only this state (${TASK_STATES.join(", ")})`, stateOption)
    .option("-a, --agent <agent>", "only tasks assigned to this agent")
    .option("--json", "print the tasks as JSON")
    .action(async (opts: Json & { state?: TaskState; agent?: string }, cmd: Command) => {
      await withTown(cmd, async (_town, store) => {
        const views = await listTasks(store, { state: opts.state, agent: opts.agent });
        report(opts.json, views.map((v) => taskJson(v.task, v.assigneeLabel)), () => {
          if (views.length) return [`Tasks (${views.length}):`, ...views.map(listLine)];
          const filters = [
            opts.state ? `state '${opts.state}'` : "",
            opts.agent ? `agent '${opts.agent}'` : "",
          ].filter(Boolean);
          return [
            filters.length ? `No tasks found with ${filters.join(" and ")}` : "No tasks found",
          ];
        });
      }, { readOnly: true });
    });

  task
    .command("complete")
    .description("mark a task completed (counts once for its agent, clears its current task)")
    .argument("<task>", "task id (full, or a unique prefix of 4+ characters)")
    .option("-r, --result <text>", "what was done (default: Completed)")
    .option("--json", "print the result as JSON")
    .action(async (ref: string, opts: Json & { result?: string }, cmd: Command) => {
      await withTown(cmd, async (town, store) => {
        const r = await completeTaskRef(store, ref, opts.result);
        const sync = await syncMissionAfterCompletion(town, store, r.task);
        report(
          opts.json,
          { ...endJson(r), mission_sync: missionSyncJson(sync) },
          () => [...endLines("✅", "completed", r), ...missionSyncLines(sync)],
        );
      });
    });

  task
    .command("fail")
    .description("mark an open task failed (clears its agent's current task)")
    .argument("<task>", "task id (full, or a unique prefix of 4+ characters)")
    .option("-r, --reason <text>", "why it failed (default: Failed)")
    .option("--json", "print the result as JSON")
    .action(async (ref: string, opts: Json & { reason?: string }, cmd: Command) => {
      await withTown(cmd, async (_town, store) => {
        const r = await failTaskRef(store, ref, opts.reason);
        report(opts.json, endJson(r), () => endLines("❌", "failed", r));
      });
    });

  task
    .command("current")
    .description("show the task an agent is working on")
    .argument("[agent]", "agent reference (default: $TINYTOWN_AGENT_ID / $TINYTOWN_AGENT_NAME)")
    .option("--json", "print the result as JSON")
    .action(async (agent: string | undefined, opts: Json, cmd: Command) => {
      await withTown(cmd, async (_town, store) => {
        const v = await currentTask(store, agent, processEnv);
        const data = {
          agent_id: v.agentId,
          label: v.label,
          task: v.task ? taskJson(v.task, v.label) : null,
        };
        report(opts.json, data, () => {
          if (!v.task) return [`No current task tracked for '${v.label}'`];
          const t = v.task;
          return [
            `Current task for ${v.label}: ${shortId(t.id)} (${t.id})`,
            ...descriptionLines(t.description),
            `  State: ${taskStateDisplayName(t.state)}`,
            ...(t.tags.length ? [`  Tags: ${t.tags.join(", ")}`] : []),
            `  When done: tt task complete ${t.id} --result "what was done"`,
          ];
        });
      }, { readOnly: true });
    });

  program
    .command("tasks")
    .description("overview of all tasks: counts per state, backlog, tasks per agent")
    .option("-s, --state <state>", "only list tasks in this state", stateOption)
    .option("--json", "print the overview as JSON")
    .action(async (opts: Json & { state?: TaskState }, cmd: Command) => {
      await withTown(cmd, async (_town, store) => {
        const o = await tasksOverview(store, { state: opts.state });
        report(opts.json, overviewJson(o), () => overviewLines(o));
      }, { readOnly: true });
    });
}

interface Json {
  json?: boolean;
}

function stateOption(value: string): TaskState {
  try {
    return parseStateFilter(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** The serde JSON form of the task, plus the assignee's label. */
function taskJson(task: Task, assigneeLabel: string) {
  return { ...JSON.parse(taskToJson(task)), assignee_label: assigneeLabel };
}

/** chrono's Display form, e.g. `2026-04-22 10:15:00.123 UTC`. */
function displayTime(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", " UTC");
}

function descriptionLines(description: string): string[] {
  const [first, ...rest] = description.split(/\r?\n/);
  return [`  Description: ${first}`, ...rest.map((l) => `    ${l}`)];
}

function showLines({ task: t, assigneeLabel }: TaskView): string[] {
  const optional: [string, string | undefined][] = [
    ["Started", t.startedAt && displayTime(t.startedAt)],
    ["Completed", t.completedAt && displayTime(t.completedAt)],
    ["Result", t.result],
    ["Parent", t.parentId],
    ["Tags", t.tags.length ? t.tags.join(", ") : undefined],
  ];
  return [
    `Task ${shortId(t.id)} (${t.id})`,
    ...descriptionLines(t.description),
    `  State: ${taskStateDisplayName(t.state)}`,
    `  Assigned to: ${assigneeLabel}`,
    `  Created: ${displayTime(t.createdAt)}`,
    `  Updated: ${displayTime(t.updatedAt)}`,
    ...optional.filter(([, v]) => v !== undefined).map(([k, v]) => `  ${k}: ${v}`),
  ];
}

function listLine({ task: t, assigneeLabel }: TaskView): string {
  return `  ${taskStateIcon(t.state)} ${shortId(t.id)} - ${
    truncateSummary(t.description, 50)
  } [${assigneeLabel}]`;
}

function endJson(r: EndResult) {
  return {
    task: taskJson(r.task, r.assigneeLabel),
    previous_state: r.previous,
    cleared_current_task: r.clearedCurrent,
    tasks_completed: r.tasksCompleted ?? null,
  };
}

function endLines(icon: string, verb: string, r: EndResult): string[] {
  const t = r.task;
  return [
    `${icon} Task ${shortId(t.id)} ${verb} (${t.id})`,
    `  Description: ${truncateSummary(t.description, 60)}`,
    `  ${verb === "failed" ? "Reason" : "Result"}: ${truncateSummary(t.result ?? "", 60)}`,
    ...(isTaskTerminal(r.previous)
      ? [`  (it was already ${taskStateDisplayName(r.previous)}; not counted again)`]
      : []),
    ...(r.clearedCurrent ? [`  Cleared the current task of ${r.assigneeLabel}`] : []),
    ...(r.tasksCompleted !== undefined
      ? [`  ${r.assigneeLabel} has now completed ${r.tasksCompleted} task(s)`]
      : []),
  ];
}

function overviewJson(o: TasksOverview) {
  return {
    total: o.total,
    counts: o.counts,
    backlog: o.backlog,
    groups: o.groups.map((g) => ({
      agent_id: g.agentId ?? null,
      label: g.label,
      active: g.active,
      done: g.done,
      tasks: g.tasks.map((t) => JSON.parse(taskToJson(t))),
    })),
  };
}

function overviewLines(o: TasksOverview): string[] {
  const c = o.counts;
  const inFlight = c.assigned + c.running;
  const done = c.completed + c.failed + c.cancelled;
  const lines = [
    `Tasks: ${o.total} total (${c.pending} pending, ${inFlight} in-flight, ${done} done)`,
    `  ${TASK_STATES.map((s) => `${taskStateDisplayName(s)}: ${c[s]}`).join("  ")}`,
    `  Backlog: ${o.backlog}`,
  ];
  for (const g of o.groups) {
    lines.push("", `${g.label} (${g.active} active, ${g.done} done)`);
    for (const t of g.tasks.slice(0, 5)) {
      lines.push(
        `  ${taskStateIcon(t.state)} ${shortId(t.id)} ${truncateSummary(t.description, 50)}`,
      );
    }
    if (g.tasks.length > 5) lines.push(`  ... and ${g.tasks.length - 5} more task(s)`);
  }
  return lines;
}
