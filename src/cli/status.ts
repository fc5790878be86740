/** `tt status`: the town at a glance. Parsing and printing only. */
import type { Command } from "commander";
import { displayLabel, stateDisplayName } from "../model/agent.ts";
import { shortId } from "../model/ids.ts";
import { truncateSummary } from "../model/message.ts";
import { jsonTime } from "../model/time.ts";
import { taskStateDisplayName, taskStateIcon } from "../model/task.ts";
import { type AgentStatus, type TownStatus, townStatus } from "../service/town_status.ts";
import { TownStoppedError } from "../town/town.ts";
import type { TaskBrief } from "../store/tasks.ts";
import { agentPaths, townPaths } from "../town/paths.ts";
import { withTown } from "./context.ts";
import { agentJson, taskJson } from "./json.ts";
import { printable, printJson, say } from "./output.ts";
import { type GlobalOptions, globalOptions } from "./globals.ts";
import { jsonHelp } from "./values.ts";

export function registerStatusCommands(program: Command): void {
  program
    .command("status")
    .description("show the town: Redis, agents with their inboxes, and task counts")
    .option("--deep", "also show recent activity and the tail of each agent's log")
    .option("--tasks", "also show tasks grouped by state and by agent")
    .option("--json", jsonHelp())
    .action((opts: { deep?: boolean; tasks?: boolean; json?: boolean }, cmd: Command) =>
      statusAction(opts, globalOptions(cmd))
    );
}

/** `tt status`. */
export async function statusAction(
  opts: { deep?: boolean; tasks?: boolean; json?: boolean },
  globals: GlobalOptions,
): Promise<void> {
  let status: TownStatus;
  try {
    status = await withTown(
      globals,
      (town, store) => townStatus(town, store, { deep: opts.deep, tasks: opts.tasks }),
      { readOnly: true },
    );
  } catch (err) {
    // A stopped town is an answer, not an error: status does not start it again.
    if (!(err instanceof TownStoppedError)) throw err;
    if (opts.json) return printJson(stoppedJson(err));
    return say(...stoppedLines(err));
  }
  if (opts.json) return printJson(statusJson(status, opts.tasks === true));
  say(...await humanStatus(status, opts));
}

function stoppedJson(s: TownStoppedError) {
  return {
    town: s.town,
    root: s.root,
    running: false,
    redis: { url: s.redisUrl, managed: true, running: false },
  };
}

function stoppedLines(s: TownStoppedError): string[] {
  return [
    `Town: ${s.town}`,
    `Root: ${s.root}`,
    `Redis: ${s.redisUrl} (not running)`,
    "The town is stopped; start it with 'tt start' to see its agents and tasks",
  ];
}

function statusJson(s: TownStatus, withTasks: boolean) {
  return {
    town: s.name,
    root: s.root,
    running: true,
    redis: { url: s.redisUrl, managed: s.server !== undefined, ...s.server },
    agents: s.agents.map((a) => {
      // Added to the agent's own fresh object, not spread into a copy (thousands of agents).
      const o = agentJson(a.agent);
      o.inbox = a.inbox;
      o.urgent = a.urgent;
      o.in_flight = a.inflight;
      o.stale = a.stale;
      o.pending_by_category = a.categories;
      o.running_tasks = a.running.map((t) => t.id);
      if (a.activity) o.activity = a.activity;
      return o;
    }),
    tasks: { total: s.taskTotal, by_state: s.taskCounts, backlog: s.backlog },
    dead_letters: s.deadLetters,
    ...(withTasks && s.taskList ? { task_list: s.taskList.map((t) => taskJson(t)) } : {}),
  };
}

async function humanStatus(
  s: TownStatus,
  opts: { deep?: boolean; tasks?: boolean },
): Promise<string[]> {
  const out = [
    `Town: ${s.name}`,
    `Root: ${s.root}`,
    `Redis: ${s.redisUrl}${
      s.server
        ? (s.server.running ? ` (redis-server pid ${s.server.pid})` : " (not running)")
        : " (external)"
    }`,
    `Agents: ${s.agents.length}`,
  ];
  for (const a of s.agents) out.push(...agentLines(a, opts.deep === true));
  const stale = s.agents.filter((a) => a.stale).length;
  if (stale) out.push(`${stale} agent(s) look dead (their loop is gone); run: tt recover`);
  const ended =
    s.agents.filter((a) => a.agent.state === "stopped" || a.agent.state === "error").length;
  if (ended) out.push(`${ended} stopped agent(s) still listed; remove them with: tt prune`);
  const c = s.taskCounts;
  out.push(
    `Tasks: ${s.taskTotal} total (${c.pending} pending, ${c.assigned + c.running} in-flight, ` +
      `${c.completed + c.failed + c.cancelled} done)`,
  );
  if (s.deadLetters) out.push(`Dead letters: ${s.deadLetters} (tt inbox --dead)`);
  if (opts.tasks) out.push(...taskLines(s));
  if (opts.deep) out.push(...await logTails(s));
  return out;
}

function agentLines(a: AgentStatus, deep: boolean): string[] {
  const c = a.categories;
  const counts = `(T:${
    c.task + c.other_actionable
  } Q:${c.query} I:${c.informational} C:${c.confirmation})`;
  const extra = [
    a.urgent ? `${a.urgent} urgent` : "",
    a.inflight ? `${a.inflight} in flight` : "",
    // Agents of one loop host share its pid.
    a.agent.pid ? `loop pid ${a.agent.pid}` : "",
  ].filter(Boolean).join(", ");
  const state = stateDisplayName(a.agent.state) + (a.stale ? ", STALE" : "");
  const lines = [
    `  ${displayLabel(a.agent)} (${state}) - ${a.inbox} pending ${counts}${
      extra ? `, ${extra}` : ""
    }` +
    (deep ? `, ${a.agent.roundsCompleted} rounds, uptime ${uptime(a.agent.createdAt)}` : ""),
  ];
  for (const t of a.running) lines.push(`    Working: ${truncateSummary(t.description, 50)}`);
  lines.push(...lastErrorLines(a, deep));
  for (const line of a.activity ?? []) lines.push(`    · ${line}`);
  return lines;
}

/**
 * The agent's last failure, with the round log to read and the CLI's last output line (where a
 * real CLI says why, e.g. "API Error: 400 ..."); `--deep` shows the last five lines.
 */
function lastErrorLines(a: AgentStatus, deep: boolean): string[] {
  const { lastError, lastErrorDetail: d } = a.agent;
  if (lastError === undefined) return [];
  const lines = [`    Last error: ${printable(lastError)}${d ? ` (at ${jsonTime(d.at)})` : ""}`];
  if (d) lines.push(`    Round log: ${printable(d.log)}`);
  if (d) {
    const tail = deep ? d.outputTail.slice(-5) : d.outputTail.filter((l) => l.trim()).slice(-1);
    for (const l of tail) lines.push(`    | ${printable(l)}`);
  }
  return lines;
}

function taskLines(s: TownStatus): string[] {
  const c = s.taskCounts;
  const out = [
    "",
    "Tasks by state:",
    ...(["pending", "assigned", "running", "completed", "failed", "cancelled"] as const).map((st) =>
      `  ${taskStateIcon(st)} ${taskStateDisplayName(st)}: ${c[st]}`
    ),
    `  Backlog: ${s.backlog}`,
  ];
  const byAgent = new Map<string, TaskBrief[]>();
  for (const t of s.tasks ?? []) {
    const key = t.assignedTo ?? "";
    byAgent.set(key, [...(byAgent.get(key) ?? []), t]);
  }
  const labels = new Map(s.agents.map((a) => [a.agent.id, displayLabel(a.agent)]));
  for (const [who, tasks] of byAgent) {
    const active = tasks.filter((t) =>
      !["completed", "failed", "cancelled"].includes(t.state)
    ).length;
    out.push(
      `  ${who ? labels.get(who) ?? shortId(who) : "(unassigned)"} (${active} active, ${
        tasks.length - active
      } done)`,
    );
    for (const t of tasks.slice(0, 5)) {
      out.push(
        `    ${taskStateIcon(t.state)} ${shortId(t.id)} ${truncateSummary(t.description, 50)}`,
      );
    }
    if (tasks.length > 5) out.push(`    ... and ${tasks.length - 5} more task(s)`);
  }
  return out;
}

async function logTails(s: TownStatus): Promise<string[]> {
  const out = ["", "Recent agent activity:"];
  const paths = townPaths(s.root);
  for (const a of s.agents) {
    try {
      // Throws for a record whose name is no agent name: such an agent has no log of ours.
      const file = agentPaths(paths, a.agent.name).loopLog;
      const lines = (await Deno.readTextFile(file)).trimEnd().split("\n").slice(-8);
      out.push(`--- ${displayLabel(a.agent)} ---`, ...lines.map((l) => `  ${l}`));
    } catch {
      // no log yet
    }
  }
  return out;
}

function uptime(since: Date): string {
  const secs = Math.max(0, Math.floor((Date.now() - since.getTime()) / 1000));
  if (secs >= 3600) return `${Math.floor(secs / 3600)}h ${Math.floor((secs % 3600) / 60)}m`;
  if (secs >= 60) return `${Math.floor(secs / 60)}m ${secs % 60}s`;
  return `${secs}s`;
}
