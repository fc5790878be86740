/**
 * One working round: the messages taken for it become a prompt, the agent CLI runs, and the
 * messages are settled — removed when the round finished, put back when it did not.
 */
import type { Agent } from "../model/agent.ts";
import { messagesHandled, stateChanged } from "./agent_events.ts";
import { newEvent } from "../model/event.ts";
import { SUPERVISOR_ID } from "../model/ids.ts";
import { newMessage } from "../model/message.ts";
import { isTaskTerminal, startTask, type Task } from "../model/task.ts";
import type { Taken } from "../store/mailbox.ts";
import type { Store } from "../store/store.ts";
import type { AgentCli } from "../town/cli_presets.ts";
import { agentPaths } from "../town/paths.ts";
import type { Town } from "../town/town.ts";
import { claimRound, writeRoundPrompt } from "./agent_files.ts";
import { type ActionableItem, batchMessages, taskAssignIds } from "./classify.ts";
import { cliWorkdir } from "./cli_env.ts";
import { failureText } from "./failures.ts";
import { renewLease } from "./liveness.ts";
import { throughOutages } from "./outage.ts";
import { composePrompt, type PromptActionable } from "./prompt.ts";
import { backlogNudge, backlogSnapshot, roleBucket, roleHint } from "./roles.ts";
import { runAgentCli, type RunResult } from "./runner.ts";
import { removeSpilled, writeSpilled } from "./spill.ts";
import { unfinishedTasks } from "./task_rounds.ts";
import { shellWord } from "./tt_shim.ts";

export interface RoundContext {
  town: Town;
  store: Store;
  cli: AgentCli;
  maxRounds: number;
  /** Added to the CLI's inherited environment (see cliEnvironment). */
  env: Record<string, string>;
  signal: AbortSignal;
  log: (line: string) => void;
}

export type RoundResult =
  /** `logFile`: the round's log (the CLI's output). */
  | { kind: "ran"; run: RunResult; logFile: string }
  | { kind: "auto-handled"; informational: number; confirmations: number }
  | { kind: "backlog-unmatched"; total: number }
  /** The agent left the working states before the CLI started; its messages went back. */
  | { kind: "skipped" };

/** What the backlog offers this agent right now. */
export async function backlogFor(store: Store, agent: Agent) {
  const ids = await store.tasks.backlogIds();
  const tasks = await store.tasks.getMany(ids);
  const bucket = roleBucket(agent.name, agent.roleId);
  return { snapshot: backlogSnapshot(bucket, tasks), hint: roleHint(bucket), ids };
}

/**
 * Runs a round for `taken` (already in flight). `offerBacklog` adds the synthetic backlog
 * nudge when nothing in `taken` is actionable.
 */
export async function runRound(
  ctx: RoundContext,
  agent: Agent,
  round: number,
  taken: Taken[],
): Promise<RoundResult> {
  const { store, town } = ctx;
  const batch = batchMessages(
    taken.filter((t) => t.urgent).map((t) => t.message),
    taken.filter((t) => !t.urgent).map((t) => t.message),
  );
  const backlog = await backlogFor(store, agent);
  const actionable: ActionableItem[] = [...batch.actionable];
  if (actionable.length === 0) {
    if (backlog.snapshot.matching === 0) {
      await store.mailbox.finish(agent.id);
      if (backlog.snapshot.total > 0) {
        return { kind: "backlog-unmatched", total: backlog.snapshot.total };
      }
      let confirmations = 0;
      for (const n of batch.confirmations.values()) confirmations += n;
      return { kind: "auto-handled", informational: batch.informational.length, confirmations };
    }
    // Never stored: the nudge only exists for this round's prompt.
    const nudge = newMessage(SUPERVISOR_ID, agent.id, {
      type: "query",
      question: backlogNudge(agent.name, backlog.snapshot.matching),
    });
    actionable.push({ message: nudge, urgent: false });
  }

  const assigned = taskAssignIds(actionable);
  const tasks = new Map<string, Task | undefined>();
  for (const id of assigned) tasks.set(id, await store.tasks.get(id));
  const now = new Date();
  const working: Agent = {
    ...agent,
    state: "working",
    lastActiveAt: now,
    lastHeartbeat: now,
    ...(assigned.length === 1 ? { currentTask: assigned[0] } : {}),
  };
  const wrote = await store.agents.updateIfState(working, [
    "state",
    "lastActiveAt",
    "lastHeartbeat",
    "currentTask",
  ], [
    "starting",
    "idle",
    "working",
  ]);
  if (wrote !== "written") {
    // Paused, stopped, closed or pruned since this pass began: run nothing, and put the
    // messages back where they were (unmarked: nothing was attempted).
    await store.mailbox.redeliverInFlight(agent.id, { mark: false });
    return { kind: "skipped" };
  }
  if (agent.state !== "working") await store.events.emit(stateChanged(agent, "working"));
  await startTasks(store, working, tasks);

  const files = agentPaths(town.paths, agent.name);
  const spillDir = `${files.dir}/messages`;
  const { prompt, spilled } = composePrompt({
    agentName: agent.name,
    town: town.name,
    round,
    maxRounds: ctx.maxRounds,
    actionable: actionable.map((a): PromptActionable => {
      const body = a.message.body;
      return { ...a, ...(body.type === "task_assign" ? { task: tasks.get(body.taskId) } : {}) };
    }),
    informational: batch.informational,
    confirmations: batch.confirmations,
    backlog: backlog.snapshot,
    roleHint: backlog.hint,
    senderLabels: await senderLabels(store, actionable),
    maxTaskRounds: town.config.agent.maxTaskRounds,
    // By absolute path: a CLI's shell may lose PATH (claude's Bash after a slow ~/.bashrc).
    tt: shellWord(`${town.paths.binDir}/tt`),
  }, { spillDir });
  // The files' numbers go on across restarts (`round` starts at 1 in each loop).
  const fileRound = await claimRound(files);
  const promptFile = files.roundPrompt(fileRound);
  await writeRoundPrompt(files, fileRound, prompt);
  await writeSpilled(spillDir, spilled);

  ctx.log(
    `Round ${round}: running ${ctx.cli.name} with ${actionable.length} actionable message(s), ` +
      `output in round-${fileRound}.log`,
  );
  const leaseSecs = town.config.agent.leaseSecs;
  let beats = 0;
  const { roundTimeoutSecs: timeoutSecs, stallTimeoutSecs: stallSecs } = town.config.agent;
  const logFile = files.roundLog(fileRound);
  const run = await runAgentCli({
    cli: ctx.cli,
    promptFile,
    prompt,
    cwd: cliWorkdir(town.root, ctx.cli),
    env: ctx.env,
    logFile,
    ...(timeoutSecs > 0 ? { timeoutMs: timeoutSecs * 1000 } : {}),
    ...(stallSecs > 0 ? { stallTimeoutMs: stallSecs * 1000 } : {}),
    signal: ctx.signal,
    heartbeatMs: Math.max(1000, Math.floor((leaseSecs * 1000) / 3)),
    onHeartbeat: () => renewLease(store, agent.id, leaseSecs, ++beats % 2 === 0),
    // Recorded so that `tt recover` or `tt kill` can end the CLI if this loop dies.
    onStart: (pid) => store.agents.update({ ...working, cliPid: pid }, ["cliPid"]).then(() => {}),
  });
  await store.agents.update({ ...working, cliPid: undefined }, ["cliPid"]).catch(() => {});
  await removeSpilled(spilled);
  await settle(ctx, working, taken, run);
  return { kind: "ran", run, logFile };
}

/** Moves the round's tasks from assigned to running (guarded: a finished task stays finished). */
async function startTasks(store: Store, agent: Agent, tasks: Map<string, Task | undefined>) {
  for (const task of tasks.values()) {
    if (!task || isTaskTerminal(task.state) || task.state === "running") continue;
    if (task.assignedTo && task.assignedTo !== agent.id) continue;
    const started = startTask(task);
    const r = await store.tasks.update(started, ["state", "startedAt", "updatedAt"], [
      "pending",
      "assigned",
    ]);
    if (r === "written") {
      await store.events.emit(
        newEvent("task_started", `Task started by ${agent.name}`, {
          agentId: agent.id,
          taskId: task.id,
        }),
      );
    }
  }
}

/**
 * Removes the round's messages when the round succeeded (but offers a task it left open
 * again), or puts them back when it failed: the CLI may not have seen any of them.
 */
async function settle(ctx: RoundContext, agent: Agent, taken: Taken[], run: RunResult) {
  const { store } = ctx;
  const { signal, log } = ctx;
  if (run.outcome === "ok") {
    const again = await throughOutages(
      () => unfinishedTasks(store, agent, taken, ctx.town.config.agent.maxTaskRounds, log),
      signal,
      log,
      "checking the round's tasks",
    );
    await throughOutages(() => store.mailbox.finish(agent.id, again), signal, log, "settling");
    await store.events.emit(...messagesHandled(agent, taken.filter((t) => !again.includes(t))));
    return;
  }
  // A task the CLI finished before it failed is no work any more: running it again would
  // redo it. (A lookup that fails keeps the message: duplicates, never losses.)
  const requeue: Taken[] = [];
  for (const t of taken) {
    const body = t.message.body;
    if (body.type === "task_assign") {
      const task = await store.tasks.get(body.taskId).catch(() => undefined);
      if (task && isTaskTerminal(task.state)) continue;
    }
    requeue.push(t);
  }
  await throughOutages(
    () => store.mailbox.finish(agent.id, requeue),
    signal,
    log,
    "putting the round's messages back",
  );
  const why = failureText(run, ctx.town.config.agent);
  ctx.log(`${why}; ${requeue.length} message(s) put back`);
  if (!agent.currentTask) return;
  // The task's message is back in the inbox; the next round that takes it tracks it again.
  await store.agents.releaseTask(agent.id, agent.currentTask).catch(() => {});
  const task = await store.tasks.get(agent.currentTask);
  if (task && task.state === "running") {
    const back: Task = { ...task, state: "assigned", updatedAt: new Date() };
    const r = await store.tasks.update(back, ["state", "updatedAt"], ["running"]);
    if (r === "written") {
      await store.events.emit(
        newEvent("task_requeued", `Task back to assigned: ${why}`, {
          agentId: agent.id,
          taskId: task.id,
        }),
      );
    }
  }
}

async function senderLabels(store: Store, items: readonly ActionableItem[]) {
  const labels = new Map<string, string>([[SUPERVISOR_ID, "conductor"]]);
  for (const from of new Set(items.map((i) => i.message.from))) {
    if (labels.has(from)) continue;
    const agent = await store.agents.get(from).catch(() => undefined);
    if (agent) labels.set(from, `${agent.name} (${from})`);
  }
  return labels;
}
