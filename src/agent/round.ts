/**
 * One working round: the messages taken for it become a prompt, the agent CLI runs, and the
 * messages are settled — removed when the round finished, put back when it did not.
 */
import { describeError } from "../errors.ts";
import type { Agent } from "../model/agent.ts";
import { messagesHandled, stateChanged } from "./agent_events.ts";
import { newEvent } from "../model/event.ts";
import { SUPERVISOR_ID } from "../model/ids.ts";
import { newMessage } from "../model/message.ts";
import { RedisConnectionError, RedisReplyError, RedisTimeoutError } from "../redis/errors.ts";
import { isTaskTerminal, startTask, type Task } from "../model/task.ts";
import type { Taken } from "../store/mailbox.ts";
import type { Store } from "../store/store.ts";
import type { AgentCli } from "../town/cli_presets.ts";
import { agentPaths } from "../town/paths.ts";
import type { Town } from "../town/town.ts";
import { claimRound, writeRoundPrompt } from "./agent_files.ts";
import { type ActionableItem, batchMessages, taskAssignIds } from "./classify.ts";
import { cliWorkdir } from "./cli_env.ts";
import { renewLease } from "./liveness.ts";
import { buildPrompt, type PromptActionable } from "./prompt.ts";
import { backlogNudge, backlogSnapshot, roleBucket, roleHint } from "./roles.ts";
import { runAgentCli, type RunResult } from "./runner.ts";
import { sleep } from "../sleep.ts";

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
  | { kind: "ran"; run: RunResult }
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

  const prompt = buildPrompt({
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
  });
  // The files' numbers go on across restarts (`round` starts at 1 in each loop).
  const files = agentPaths(town.paths, agent.name);
  const fileRound = await claimRound(files);
  const promptFile = files.roundPrompt(fileRound);
  await writeRoundPrompt(files, fileRound, prompt);

  ctx.log(
    `Round ${round}: running ${ctx.cli.name} with ${actionable.length} actionable message(s), ` +
      `output in round-${fileRound}.log`,
  );
  const leaseSecs = town.config.agent.leaseSecs;
  let beats = 0;
  const timeoutSecs = town.config.agent.roundTimeoutSecs;
  const run = await runAgentCli({
    cli: ctx.cli,
    promptFile,
    prompt,
    cwd: cliWorkdir(town.root, ctx.cli),
    env: ctx.env,
    logFile: files.roundLog(fileRound),
    ...(timeoutSecs > 0 ? { timeoutMs: timeoutSecs * 1000 } : {}),
    signal: ctx.signal,
    heartbeatMs: Math.max(1000, Math.floor((leaseSecs * 1000) / 3)),
    onHeartbeat: () => renewLease(store, agent.id, leaseSecs, ++beats % 2 === 0),
    // Recorded so that `tt recover` or `tt kill` can end the CLI if this loop dies.
    onStart: (pid) => store.agents.update({ ...working, cliPid: pid }, ["cliPid"]).then(() => {}),
  });
  await store.agents.update({ ...working, cliPid: undefined }, ["cliPid"]).catch(() => {});
  await settle(ctx, working, taken, run);
  return { kind: "ran", run };
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

/** Removes the round's messages, or puts the actionable ones back when the round failed. */
async function settle(ctx: RoundContext, agent: Agent, taken: Taken[], run: RunResult) {
  const { store } = ctx;
  if (run.outcome === "ok") {
    await throughOutages(() => store.mailbox.finish(agent.id), ctx);
    await store.events.emit(...messagesHandled(agent, taken));
    return;
  }
  // Informational messages and acks were summarised into the prompt; only work goes back.
  const work = taken.filter((t) =>
    ![
      "informational",
      "confirmation",
      "task_done",
      "task_failed",
      "status_response",
      "ping",
      "pong",
    ]
      .includes(t.message.body.type)
  );
  // A task the CLI finished before it failed is no work any more: running it again would
  // redo it. (A lookup that fails keeps the message: duplicates, never losses.)
  const requeue: Taken[] = [];
  for (const t of work) {
    const body = t.message.body;
    if (body.type === "task_assign") {
      const task = await store.tasks.get(body.taskId).catch(() => undefined);
      if (task && isTaskTerminal(task.state)) continue;
    }
    requeue.push(t);
  }
  await throughOutages(() => store.mailbox.finish(agent.id, requeue), ctx);
  const why = run.outcome === "timeout"
    ? `round timed out after ${ctx.town.config.agent.roundTimeoutSecs}s`
    : run.outcome === "cancelled"
    ? "round cancelled (agent stopping)"
    : run.outcome === "spawn_error"
    ? `agent CLI could not start: ${run.error}`
    : `agent CLI exited with ${run.exitCode ?? run.signal}`;
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

/** A Redis failure that passes: the connection broke or timed out, or the server is loading. */
export function isRedisOutage(err: unknown): boolean {
  if (err instanceof RedisConnectionError || err instanceof RedisTimeoutError) return true;
  return err instanceof RedisReplyError &&
    ["LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN"].includes(err.code);
}

/**
 * Settling a round must get through a Redis restart: otherwise the messages of a round that
 * ran stay in flight and the next round runs the CLI on them again. Retrying may put a failed
 * round's messages back twice (if the first try ran but its reply was lost): duplicates, never
 * losses.
 */
async function throughOutages(fn: () => Promise<void>, ctx: RoundContext): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (ctx.signal.aborted || !isRedisOutage(err)) throw err;
      if (attempt === 1) {
        ctx.log(`Redis unavailable while settling the round: ${describeError(err)}`);
      }
      await sleep(Math.min(2000, 50 * 2 ** attempt));
    }
  }
}
