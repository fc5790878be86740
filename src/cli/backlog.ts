/**
 * `tt backlog`: add, list, claim, assign, assign-all, remove. Parsing and printing only; the
 * work is in src/service/backlog_ops.ts.
 *
 * Unlike tinytown, a task that cannot be claimed or removed (unknown, already claimed, not in
 * the backlog) is an error (one line, exit 1), and claim resolves the agent before it touches
 * the backlog, so a typo in the agent name never orphans a task.
 */
import type { Command } from "commander";
import { shortId } from "../model/ids.ts";
import type { Task } from "../model/task.ts";
import {
  addToBacklog,
  assignAllFromBacklog,
  type BacklogEntry,
  backlogForAgent,
  claimFromBacklog,
  type ClaimResult,
  listBacklog,
  parseTags,
  removeFromBacklog,
} from "../service/backlog_ops.ts";
import { withTown } from "./context.ts";
import { taskJson } from "./json.ts";
import { report } from "./output.ts";

interface Json {
  json?: boolean;
}

const TASK_ARG = "task id (full, or a unique prefix of 4+ characters)";

export function registerBacklogCommands(program: Command): void {
  const backlog = program
    .command("backlog")
    .description("unassigned tasks waiting for an agent: add, list, claim, assign, remove")
    .helpCommand(false);

  backlog
    .command("add")
    .description("create an unassigned task at the end of the backlog")
    .argument("<description>", "what needs doing")
    .option("--tags <list>", "comma-separated tags, used for role matching (e.g. backend,api)")
    .option("--json", "print the task as JSON")
    .action(async (description: string, opts: Json & { tags?: string }, cmd: Command) => {
      await withTown(cmd, async (_town, store) => {
        const task = await addToBacklog(store, description, parseTags(opts.tags));
        report(opts.json, taskJson(task), () => [
          `Added task to backlog: ${task.id}`,
          `Description: ${task.description}`,
          ...(task.tags.length ? [`Tags: ${task.tags.join(", ")}`] : []),
        ]);
      });
    });

  backlog
    .command("list")
    .description("list the backlog in order (or, with --for, what an agent's role matches)")
    .option("--for <agent>", "only the tasks that match this agent's role")
    .option("--json", "print the backlog as JSON")
    .action(async (opts: Json & { for?: string }, cmd: Command) => {
      await withTown(cmd, async (_town, store) => {
        if (opts.for !== undefined) {
          const r = await backlogForAgent(store, opts.for);
          const label = r.agent.name;
          const data = {
            agent_id: r.agent.id,
            agent: label,
            role: r.bucket,
            hint: r.hint,
            total: r.total,
            matching: r.matching.length,
            tasks: r.matching.map(taskJson),
          };
          return report(opts.json, data, () => [
            r.matching.length
              ? `Backlog tasks matching ${label} (${r.bucket}): ${r.matching.length} of ${r.total}`
              : `No backlog tasks match ${label} (${r.bucket}); the backlog has ${r.total}`,
            ...(r.matching.length ? ["", ...r.matching.map(taskLine)] : []),
          ]);
        }
        const entries = await listBacklog(store);
        const data = {
          total: entries.length,
          tasks: entries.flatMap((e) => e.task ? [taskJson(e.task)] : []),
          missing: entries.filter((e) => !e.task).map((e) => e.id),
        };
        report(
          opts.json,
          data,
          () =>
            entries.length === 0
              ? ["Backlog is empty"]
              : [`Backlog (${entries.length} tasks):`, "", ...entries.map(entryLine)],
        );
      }, { readOnly: true });
    });

  // claim and assign do the same atomic claim; they differ in whose side they speak from.
  const claimCommand = (
    name: string,
    description: string,
    line: (r: Awaited<ReturnType<typeof claimFromBacklog>>) => string,
  ) =>
    backlog
      .command(name)
      .description(description)
      .argument("<task>", TASK_ARG)
      .argument("<agent>", "agent reference (name, nickname, short id, id), or 'conductor'")
      .option("--json", "print the result as JSON")
      .action(async (task: string, agent: string, opts: Json, cmd: Command) => {
        await withTown(cmd, async (_town, store) => {
          const r = await claimFromBacklog(store, task, agent);
          report(opts.json, claimJson(r), () => [line(r)]);
        });
      });
  claimCommand(
    "claim",
    "take a backlog task for an agent (atomic: one claimer wins)",
    (r) => `Claimed task ${r.task.id} and assigned to '${r.label}'`,
  );
  claimCommand(
    "assign",
    "give a backlog task to an agent (the conductor's side of claim)",
    (r) => `Assigned backlog task ${shortId(r.task.id)} (${r.task.id}) to '${r.label}'`,
  );

  backlog
    .command("assign-all")
    .description("give every backlog task to one agent, in backlog order")
    .argument("<agent>", "agent reference (name, nickname, short id, id), or 'conductor'")
    .option("--json", "print the result as JSON")
    .action(async (agent: string, opts: Json, cmd: Command) => {
      await withTown(cmd, async (_town, store) => {
        const r = await assignAllFromBacklog(store, agent);
        const data = {
          agent_id: r.agentId,
          agent: r.label,
          assigned: r.assigned.map((t) => t.id),
          dropped: r.dropped,
        };
        report(opts.json, data, () => [
          r.assigned.length === 0
            ? "Backlog is empty, no tasks to assign"
            : `Assigned ${r.assigned.length} task(s) from backlog to '${r.label}'`,
          ...r.assigned.map((t) => `  ${shortId(t.id)} - ${first(t.description, 60)}`),
          ...(r.dropped.length
            ? [`Dropped ${r.dropped.length} backlog entr(ies) whose task is gone or finished`]
            : []),
        ]);
      });
    });

  backlog
    .command("remove")
    .description("take a task out of the backlog and delete it")
    .argument("<task>", TASK_ARG)
    .option("--json", "print the deleted task as JSON")
    .action(async (task: string, opts: Json, cmd: Command) => {
      await withTown(cmd, async (_town, store) => {
        const t = await removeFromBacklog(store, task);
        report(opts.json, { removed: taskJson(t) }, () => [
          `Removed task ${t.id} from backlog and deleted it`,
          `  Description: ${first(t.description, 60)}`,
          ...(t.tags.length ? [`  Tags: ${t.tags.join(", ")}`] : []),
        ]);
      });
    });
}

/** The first `n` characters, no ellipsis (tinytown's listing cut). */
function first(text: string, n: number): string {
  return [...text.split(/\r?\n/)[0]].slice(0, n).join("");
}

function tagSuffix(task: Task): string {
  return task.tags.length ? ` [${task.tags.join(", ")}]` : "";
}

function entryLine(e: BacklogEntry): string {
  if (!e.task) return `   ${shortId(e.id)} (${e.id}) - (task not found)`;
  return taskLine(e.task);
}

function taskLine(t: Task): string {
  return `   ${shortId(t.id)} (${t.id}) - ${first(t.description, 60)}${tagSuffix(t)}`;
}

function claimJson(r: ClaimResult) {
  return { task: taskJson(r.task), agent_id: r.agentId, agent: r.label };
}
