/** Recovery commands: recover (dead loops), reclaim (work of dead agents). Parsing and printing. */
import { type Command, Option } from "commander";
import { UsageError } from "../errors.ts";
import {
  type InboxReclaimResult,
  type ReclaimedMessage,
  reclaimInboxes,
} from "../service/reclaim_inboxes.ts";
import {
  type OrphanAction,
  type OrphanReclaimResult,
  reclaimOrphanTasks,
} from "../service/reclaim_orphans.ts";
import { recoverAgents, type RecoverResult } from "../service/recover_agents.ts";
import { stateDisplayName } from "../model/agent.ts";
import { shortId } from "../model/ids.ts";
import { describeMessage, truncateSummary } from "../model/message.ts";
import { taskStateDisplayName } from "../model/task.ts";
import { agentJson, taskJson } from "./json.ts";
import type { Store } from "../store/store.ts";
import { withTown } from "./context.ts";
import { report } from "./output.ts";

export function registerRecoveryCommands(program: Command): void {
  program
    .command("recover")
    .description("find agents whose loop died and put their unfinished work back")
    .addHelpText(
      "after",
      `
An agent's loop counts as dead when its process is gone (on this machine) or its lease
expired and its heartbeat is older than [agent] lease_secs. For each such agent:
  - it becomes Error (Stopped when it had been asked to stop or had logged a clean end);
  - messages it had taken but not finished go back to the front of its inbox, marked
    redelivered;
  - a task it was running goes back to Assigned, and each of its running or assigned tasks
    with no task_assign waiting gets a fresh one, so 'tt restart <agent>' picks it up.
Then: 'tt restart <agent>', or hand the work to others with 'tt reclaim'.`,
    )
    .option("--json", "print the result as JSON")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const r = await withTown(cmd, (town, store) =>
        recoverAgents(store, {
          leaseSecs: town.config.agent.leaseSecs,
          townPaths: town.paths,
        }));
      report(opts.json, recoverJson(r), () => recoverLines(r));
    });

  program
    .command("reclaim")
    .description("list or move the work of dead agents (stopped, error, cold)")
    .addOption(new Option("--to-backlog", "put their tasks on the backlog"))
    .addOption(new Option("--to <agent>", "give their messages (or orphan tasks) to this agent"))
    .addOption(new Option("--from <agent>", "only this dead agent (exact name or id)"))
    .addOption(
      new Option("--orphan-tasks", "look at open tasks whose assignee is gone or dead instead"),
    )
    .addOption(
      new Option("--cancel", "with --orphan-tasks: cancel them").conflicts([
        "toBacklog",
        "to",
        "delete",
      ]),
    )
    .addOption(
      new Option("--delete", "with --orphan-tasks: delete them").conflicts([
        "toBacklog",
        "to",
        "cancel",
      ]),
    )
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
Without --to or --to-backlog nothing changes: the dead agents' messages (urgent, inbox and
in flight) are only listed.
  --to <agent>     re-addresses every message to that agent (urgent ones stay urgent);
  --to-backlog     task assignments go to the backlog (the task becomes pending and
                   unassigned) and free-text tasks become new backlog tasks; with --to as
                   well, the other messages go to that agent, otherwise they stay put.
Tasks that are already finished, missing or reassigned are skipped. Unreadable entries go to
the dead letters (tt inbox --dead). Each message is moved by exactly one reclaimer.

With --orphan-tasks: open tasks whose assignee no longer exists or is dead are listed, or
requeued (--to-backlog), reassigned (--to), cancelled (--cancel) or deleted (--delete).`,
    )
    .action(async (opts: ReclaimOptions, cmd: Command) => {
      if (!opts.orphanTasks && (opts.cancel || opts.delete)) {
        throw new UsageError("--cancel and --delete only apply with --orphan-tasks");
      }
      if (opts.orphanTasks) {
        if (opts.toBacklog && opts.to !== undefined) {
          throw new UsageError("with --orphan-tasks, use either --to-backlog or --to, not both");
        }
        const action: OrphanAction = opts.toBacklog
          ? "to_backlog"
          : opts.to !== undefined
          ? "to_agent"
          : opts.cancel
          ? "cancel"
          : opts.delete
          ? "delete"
          : "list";
        const r = await withTown(
          cmd,
          (_t, store) => reclaimOrphanTasks(store, action, { from: opts.from, to: opts.to }),
        );
        return report(opts.json, orphanJson(r), () => orphanLines(r));
      }
      const [r, titles] = await withTown(cmd, async (_t, store) => {
        const r = await reclaimInboxes(store, {
          from: opts.from,
          to: opts.to,
          toBacklog: opts.toBacklog,
        });
        return [r, await taskTitles(store, r)] as const;
      });
      report(opts.json, inboxJson(r, titles), () => inboxLines(r, opts.from, titles));
    });
}

interface ReclaimOptions {
  toBacklog?: boolean;
  to?: string;
  from?: string;
  orphanTasks?: boolean;
  cancel?: boolean;
  delete?: boolean;
  json?: boolean;
}

function recoverJson(r: RecoverResult) {
  return {
    agents_checked: r.checked,
    agents_recovered: r.recovered.length,
    recovered: r.recovered.map((a) => ({
      ...agentJson(a.agent),
      previous_state: a.agent.state,
      new_state: a.state,
      reason: a.reason,
      messages_requeued: a.messages,
      agent_cli_ended: a.cliEnded,
      tasks_requeued: a.tasks.map((t) => ({
        task_id: t.taskId,
        previous_state: t.previous,
        state: t.state,
        message_queued: t.messageQueued,
      })),
    })),
  };
}

function recoverLines(r: RecoverResult): string[] {
  const lines = ["Scanning for orphaned agents..."];
  if (r.recovered.length === 0) {
    return [...lines, `No orphaned agents found (${r.checked} agents checked)`];
  }
  for (const a of r.recovered) {
    lines.push(
      `Recovered '${a.agent.name}' (${stateDisplayName(a.agent.state)} -> ${
        stateDisplayName(a.state)
      }): ${a.reason}`,
    );
    if (a.messages) lines.push(`   ${a.messages} in-flight message(s) put back in its inbox`);
    if (a.cliEnded) lines.push("   its agent CLI was still running and was ended");
    for (const t of a.tasks) {
      lines.push(
        `   task ${t.taskId}: ${taskStateDisplayName(t.previous)} -> ${
          taskStateDisplayName(t.state)
        }${t.messageQueued ? ", task_assign queued" : ""}`,
      );
    }
  }
  lines.push(
    `Recovered ${r.recovered.length} orphaned agent(s) (${r.checked} total checked)`,
    "Next: tt restart <agent> to resume, or tt reclaim to hand the work to others",
  );
  return lines;
}

const SOURCE_LABEL: Record<ReclaimedMessage["source"], string> = {
  inflight_urgent: "urgent, in flight",
  urgent: "urgent",
  inflight: "in flight",
  inbox: "inbox",
};

/** Descriptions of the tasks behind task_assign messages, for the listing. */
async function taskTitles(store: Store, r: InboxReclaimResult): Promise<Titles> {
  const ids = new Set(r.agents.flatMap((a) => a.messages).map((i) => i.taskId).filter((id) => id));
  const titles = new Map<string, string>();
  for (const id of ids) {
    const task = await store.tasks.get(id!);
    if (task) titles.set(id!, task.description);
  }
  return titles;
}

type Titles = ReadonlyMap<string, string>;

function summary(i: ReclaimedMessage, titles: Titles, max: number): string | null {
  if (!i.message) return null;
  const body = i.message.body;
  const title = body.type === "task_assign" && i.taskId ? titles.get(i.taskId) : undefined;
  return truncateSummary(describeMessage(body, title), max);
}

function itemJson(i: ReclaimedMessage, titles: Titles) {
  return {
    source: i.source,
    outcome: i.outcome,
    message_id: i.message?.id ?? null,
    type: i.message?.body.type ?? null,
    task_id: i.taskId ?? null,
    summary: summary(i, titles, 100),
    detail: i.detail ?? null,
  };
}

function inboxJson(r: InboxReclaimResult, titles: Titles) {
  const all = r.agents.flatMap((a) => a.messages);
  return {
    mode: r.listOnly ? "list" : "move",
    to_backlog: r.toBacklog,
    to: r.to?.id ?? null,
    to_label: r.to?.label ?? null,
    agents: r.agents.map((a) => ({
      ...agentJson(a.agent),
      messages: a.messages.map((i) => itemJson(i, titles)),
    })),
    messages: all.length,
    tasks: all.filter(isTask).length,
    moved: all.filter((i) => i.outcome === "to_agent" || i.outcome === "to_backlog").length,
  };
}

function isTask(i: ReclaimedMessage): boolean {
  return i.taskId !== undefined || i.message?.body.type === "task";
}

function itemLine(i: ReclaimedMessage, to: string | undefined, titles: Titles): string {
  const what = summary(i, titles, 70) ?? `unreadable entry (${i.detail})`;
  const where = `[${SOURCE_LABEL[i.source]}]`;
  switch (i.outcome) {
    case "listed":
      return `      ${what} ${where}`;
    case "to_backlog":
      return `      → backlog: ${i.taskId ?? what}`;
    case "to_agent":
      return `      → ${to}: ${what}`;
    case "dead_letter":
      return `      → dead letters: ${what}`;
    case "kept":
      return `      kept: ${what} ${where}`;
    default:
      return `      ${i.outcome}: ${what} (${i.detail})`;
  }
}

function inboxLines(r: InboxReclaimResult, from: string | undefined, titles: Titles): string[] {
  if (r.agents.length === 0) {
    return [
      from !== undefined
        ? `Agent '${from}' not found or not in terminal state`
        : "No dead agents found with tasks to reclaim",
    ];
  }
  const lines = [r.listOnly ? "Messages held by dead agents (nothing moved):" : "Reclaiming..."];
  for (const a of r.agents) {
    if (a.messages.length === 0) continue;
    lines.push(
      `   ${a.agent.name} (${stateDisplayName(a.agent.state)}): ${a.messages.length} message(s)`,
    );
    for (const i of a.messages) lines.push(itemLine(i, r.to?.label, titles));
  }
  const all = r.agents.flatMap((a) => a.messages);
  if (all.length === 0) return [...lines.slice(1), "No messages found in dead agent inboxes"];
  const tasks = all.filter(isTask).length;
  if (r.listOnly) {
    lines.push(
      `Found ${tasks} task(s) and ${all.length - tasks} other message(s). Move them with ` +
        "--to-backlog or --to <agent>",
    );
    return lines;
  }
  const backlog = all.filter((i) => i.outcome === "to_backlog").length;
  const moved = all.filter((i) => i.outcome === "to_agent").length;
  if (r.toBacklog) lines.push(`Moved ${backlog} task(s) to backlog`);
  if (r.to) lines.push(`Moved ${moved} message(s) to '${r.to.label}'`);
  const left = all.filter((i) => ["kept", "skipped", "taken"].includes(i.outcome)).length;
  if (left) lines.push(`${left} message(s) not moved (see above)`);
  return lines;
}

function orphanJson(r: OrphanReclaimResult) {
  return {
    action: r.action,
    count: r.orphans.length,
    to: r.to?.id ?? null,
    orphans: r.orphans.map((o) => ({
      task_id: o.task.id,
      assigned_to: o.task.assignedTo ?? null,
      state: o.task.state,
      reason: o.reason,
      done: o.done ?? false,
      task: taskJson(o.task),
    })),
  };
}

function orphanLines(r: OrphanReclaimResult): string[] {
  if (r.orphans.length === 0) return ["No orphan tasks found"];
  const lines = [`Found ${r.orphans.length} orphan task(s):`];
  for (const o of r.orphans) {
    const who = o.assignee
      ? `${o.assignee.name} (${shortId(o.task.assignedTo!)})`
      : o.task.assignedTo;
    lines.push(
      `   task ${o.task.id} (state=${taskStateDisplayName(o.task.state)}) → ${who} [${
        o.reason === "agent_missing" ? "assignee missing" : "assignee terminal"
      }]${o.done === false ? " - changed meanwhile, left alone" : ""}`,
    );
  }
  const n = r.orphans.filter((o) => o.done).length;
  switch (r.action) {
    case "list":
      lines.push("Use --to-backlog, --to <agent>, --cancel or --delete to act on them");
      break;
    case "to_backlog":
      lines.push(`Requeued ${n} task(s) to backlog`);
      break;
    case "to_agent":
      lines.push(`Reassigned ${n} task(s) to '${r.to!.label}'`);
      break;
    case "cancel":
      lines.push(`Cancelled ${n} task(s)`);
      break;
    case "delete":
      lines.push(`Deleted ${n} task(s)`);
      break;
  }
  return lines;
}
