/**
 * Mission mode as service operations (the CLI, REST and MCP faces call these): start, status,
 * list, resume, stop, pause, note, dispatch tick, delete, the operator's approve, reject and
 * input on a work item (operator.ts), and the hook for a completed task. They return data and
 * throw TtErrors with one-line messages; nothing is printed here.
 */
import { TtError, UsageError } from "../errors.ts";
import {
  blockMission,
  clearHelpRequestState,
  type ControlMessage,
  DEFAULT_POLICY,
  failMission,
  isMissionTerminal,
  type MissionRun,
  newControlMessage,
  newMission,
  type ObjectiveRef,
  startMission,
  type WatchItem,
  type WorkItem,
} from "../model/mission.ts";
import { cancelTask, isTaskTerminal, type Task } from "../model/task.ts";
import { type CompiledIssue, compileWorkItems } from "./compiler.ts";
import { PassContext } from "./context.ts";
import { Dispatcher, type TickResult } from "./dispatcher.ts";
import { configOf, githubOf, loadMission, type MissionEnv, resolveMissionId } from "./env.ts";
import type { GitHub } from "./github.ts";
import { retireHelpRequests } from "./help.ts";
import { missionTaskInfo } from "./mission_tasks.ts";
import { originRepo, parseIssueRef } from "./objectives.ts";
import { type PassResult, schedulerPass } from "./scheduler.ts";
import {
  approveSubmission,
  recordSubmission,
  requestChanges,
  type SubmissionOutcome,
} from "./submission.ts";
import { WorkingSet } from "./working_set.ts";

export { type MissionEnv, MissionNotFoundError, resolveMissionId } from "./env.ts";
export {
  approve,
  input,
  type InputResult,
  type ItemDecision,
  reject,
  resolveWorkItemId,
} from "./operator.ts";

export interface StartInput {
  issues?: string[];
  docs?: string[];
  maxParallel?: number;
  noReviewer?: boolean;
  /** Who started it, for the log line ("CLI", "MCP", "API"). */
  via?: string;
}

export interface StartResult {
  mission: MissionRun;
  items: WorkItem[];
  pass: PassResult;
}

// deno-lint-ignore no-control-regex -- refusing control characters is the point
const CONTROL = /[\x00-\x1f\x7f]/;

/** The objectives of a start, all valid or an error naming the first bad one. */
export async function parseObjectives(
  env: MissionEnv,
  issues: readonly string[],
  docs: readonly string[],
): Promise<ObjectiveRef[]> {
  if (issues.length === 0 && docs.length === 0) {
    throw new UsageError("at least one --issue or --doc is required");
  }
  let origin: Promise<{ owner: string; repo: string } | undefined> | undefined;
  const out: ObjectiveRef[] = [];
  for (const input of issues) {
    const ref = await parseIssueRef(input, () => origin ??= originRepo(env.root));
    if (!ref) {
      if (/^\s*\d+\s*$/.test(input)) {
        throw new UsageError(
          `issue ${input.trim()} needs the town's git remote 'origin' on GitHub; ` +
            `write owner/repo#${input.trim()} instead`,
        );
      }
      throw new UsageError(
        `could not parse issue '${input}': use a number, owner/repo#N or an issue URL`,
      );
    }
    out.push(ref);
  }
  for (const path of docs) {
    if (path.trim() === "" || CONTROL.test(path)) {
      throw new UsageError(`not a document path: ${JSON.stringify(path)}`);
    }
    out.push({ type: "doc", path });
  }
  return out;
}

/**
 * `tt mission start`: objectives -> issues read through gh -> work items (a cycle is an error
 * and nothing is saved) -> a running, active mission -> one scheduler pass.
 */
export async function start(env: MissionEnv, input: StartInput): Promise<StartResult> {
  const objectives = await parseObjectives(env, input.issues ?? [], input.docs ?? []);
  const maxParallel = input.maxParallel ?? DEFAULT_POLICY.max_parallel_items;
  if (!Number.isInteger(maxParallel) || maxParallel < 0 || maxParallel > 4294967295) {
    throw new UsageError(`--max-parallel must be a whole number >= 0, not ${maxParallel}`);
  }
  const issues: CompiledIssue[] = [];
  const gh = githubOf(env);
  for (const o of objectives) {
    if (o.type !== "issue") continue;
    const text = await gh.issue(o.owner, o.repo, o.number);
    issues.push({ ...o, ...text, title: text.title || `Issue #${o.number}` });
  }
  const mission = startMission(newMission(objectives, {
    ...DEFAULT_POLICY,
    max_parallel_items: maxParallel,
    reviewer_required: !input.noReviewer,
  }));
  const docs = objectives.flatMap((o) => (o.type === "doc" ? [o.path] : []));
  const items = compileWorkItems(mission.id, issues, docs);
  await env.store.missions.write({
    mission,
    items,
    active: { id: mission.id, add: true },
    logs: [
      `Mission started via ${input.via ?? "CLI"}`,
      `Bootstrapped ${items.length} work item(s) from mission objectives`,
    ].map((text) => ({ missionId: mission.id, text })),
  });
  const pass = await schedulerPass(await PassContext.load(env.store, configOf(env)));
  return { mission: (await env.store.missions.get(mission.id)) ?? mission, items, pass };
}

export interface MissionStatus {
  mission: MissionRun;
  items: WorkItem[];
  watches: WatchItem[];
  controls: ControlMessage[];
  /** Newest first. */
  events: string[];
  /** Open tasks of the mission. */
  tasks: Task[];
}

export async function status(env: MissionEnv, ref: string, events = 5): Promise<MissionStatus> {
  const ws = await loadMission(env, ref);
  const [controls, lines, tasks] = await Promise.all([
    env.store.missions.controls(ws.id),
    env.store.missions.logLines(ws.id, events),
    env.store.tasks.list(),
  ]);
  return {
    mission: ws.mission,
    items: [...ws.items.values()],
    watches: [...ws.watches.values()],
    controls,
    events: lines,
    tasks: tasks.filter((t) => !isTaskTerminal(t.state) && t.tags.includes(`mission:${ws.id}`)),
  };
}

/** Active missions, or with `all` every stored mission; oldest first. */
export async function list(env: MissionEnv, opts: { all?: boolean } = {}): Promise<MissionRun[]> {
  const ids = opts.all ? await env.store.missions.allIds() : await env.store.missions.activeIds();
  return (await env.store.missions.getMany(ids)).sort((a, b) =>
    a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0
  );
}

export interface ChangeResult {
  mission: MissionRun;
  /** Help requests removed from the conductor's inbox. */
  retired: number;
  /** Set when nothing had to change, e.g. "already running". */
  note?: string;
}

/** `tt mission resume`: a blocked mission runs again (completed or failed ones cannot). */
export async function resume(env: MissionEnv, ref: string, via = "CLI"): Promise<ChangeResult> {
  const ws = await loadMission(env, ref);
  const m = ws.mission;
  if (m.state === "running") return { mission: m, retired: 0, note: "already running" };
  if (m.state === "completed") throw new TtError(`mission ${m.id} is already completed`);
  if (m.state === "failed") throw new TtError(`mission ${m.id} has failed and cannot be resumed`);
  ws.setMission(clearHelpRequestState(startMission(m)));
  ws.setActive(true);
  const retired = await retireHelpRequests(env.store, m.id);
  ws.log(`Mission resumed via ${via} (retired ${retired} stale help request(s))`);
  await ws.flush(env.store);
  return { mission: ws.mission, retired };
}

/** `tt mission stop`: blocked (or with `force` failed) and out of the active set. */
export async function stop(
  env: MissionEnv,
  ref: string,
  opts: { force?: boolean; via?: string } = {},
): Promise<ChangeResult> {
  const ws = await loadMission(env, ref);
  const m = ws.mission;
  if (m.state === "completed" || (m.state === "failed" && !opts.force)) {
    throw new TtError(`mission ${m.id} is ${m.state}; there is nothing to stop`);
  }
  const next = opts.force
    ? failMission(m, "Stopped by user (forced)")
    : blockMission(m, "Stopped by user");
  ws.setMission(clearHelpRequestState(next));
  ws.setActive(false);
  const retired = await retireHelpRequests(env.store, m.id);
  const how = opts.via ? ` via ${opts.via}` : "";
  ws.log(
    `Mission stopped${how} (force=${!!opts.force}) and retired ${retired} stale help request(s)`,
  );
  await ws.flush(env.store);
  return { mission: ws.mission, retired };
}

export interface PauseResult extends ChangeResult {
  control: ControlMessage;
  /** The tick for this mission that acted on the note. */
  tick: TickResult;
  /**
   * False when another dispatcher held the mission's lease: the note waits for its next tick,
   * which pauses the mission then.
   */
  processed: boolean;
}

/**
 * Pausing a running mission (MCP `mission.pause`): a `pause` note for the dispatcher, acted on
 * at once by one tick for this mission, which blocks it with `Paused by {sender}: {note}`. The
 * mission stays active (unlike stop), so `resume` or a `resume` note runs it again.
 */
export async function pause(
  env: MissionEnv,
  ref: string,
  opts: { sender?: string; via?: string } = {},
): Promise<PauseResult> {
  const ws = await loadMission(env, ref);
  const m = ws.mission;
  if (isMissionTerminal(m.state)) {
    throw new TtError(`mission ${m.id} is ${m.state} and cannot be paused`);
  }
  if (m.state !== "running") {
    throw new TtError(`mission ${m.id} is ${m.state}, not running, and cannot be paused`);
  }
  const body = opts.via ? `pause requested via ${opts.via}` : "pause requested";
  const control = newControlMessage(m.id, opts.sender ?? "conductor", body);
  ws.setMission(clearHelpRequestState(m));
  await ws.flush(env.store);
  await env.store.missions.saveControls(control);
  const retired = await retireHelpRequests(env.store, m.id);
  const tick = await dispatcher(env, { runFilter: m.id }).tick();
  const mission = (await env.store.missions.get(m.id)) ?? ws.mission;
  return { mission, retired, control, tick, processed: tick.claimed.includes(m.id) };
}

/** `tt mission note`: a note for the dispatcher (acted on when a tick claims the mission). */
export async function note(
  env: MissionEnv,
  ref: string,
  message: string,
  sender = "conductor",
): Promise<ChangeResult & { control: ControlMessage }> {
  if (message.trim() === "") throw new UsageError("the note is empty");
  const ws = await loadMission(env, ref);
  const control = newControlMessage(ws.id, sender, message);
  ws.setMission(clearHelpRequestState(ws.mission));
  await env.store.missions.saveControls(control);
  const retired = await retireHelpRequests(env.store, ws.id);
  ws.log(
    `Conductor note queued for dispatcher: ${message} (retired ${retired} stale help request(s))`,
  );
  await ws.flush(env.store);
  return { mission: ws.mission, retired, control };
}

/** A dispatcher over this town (for `tt mission dispatch` and one-off ticks). */
export function dispatcher(env: MissionEnv, opts: { runFilter?: string; token?: string } = {}) {
  let gh: GitHub | undefined;
  return new Dispatcher(env.store, {
    config: configOf(env),
    github: () => gh ??= githubOf(env),
    runFilter: opts.runFilter,
    token: opts.token,
  });
}

/** One dispatcher tick (`tt mission dispatch --once`). */
export async function dispatchTick(env: MissionEnv, runRef?: string): Promise<TickResult> {
  const runFilter = runRef === undefined ? undefined : await resolveMissionId(env, runRef);
  return await dispatcher(env, { runFilter }).tick();
}

export interface DeleteResult {
  missionId: string;
  /** Open mission tasks cancelled. */
  cancelledTasks: number;
  retired: number;
}

/** `tt mission delete`: every key of the mission; its open tasks are cancelled. */
export async function deleteMission(env: MissionEnv, ref: string): Promise<DeleteResult> {
  const id = await resolveMissionId(env, ref);
  let cancelledTasks = 0;
  for (const t of await env.store.tasks.list()) {
    if (isTaskTerminal(t.state) || !t.tags.includes(`mission:${id}`)) continue;
    const r = await env.store.tasks.update(
      cancelTask(t, `Mission ${id} deleted`),
      ["state", "result", "completedAt", "updatedAt"],
      ["pending", "assigned", "running"],
    );
    if (r === "written") cancelledTasks++;
  }
  const retired = await retireHelpRequests(env.store, id);
  await env.store.missions.delete(id, env.store.keys.missionEvents(id));
  return { missionId: id, cancelledTasks, retired };
}

export interface CompletionSync {
  missionId: string;
  itemId: string;
  outcome: SubmissionOutcome;
  /** The scheduler pass run after a completed item. */
  pass?: PassResult;
}

/**
 * The task-completion hook: a completed mission task moves its work item on (work/fix ->
 * submission, review -> approval or changes). Undefined for a task without mission tags.
 */
export async function onTaskCompleted(
  env: MissionEnv,
  task: Task,
): Promise<CompletionSync | undefined> {
  const info = missionTaskInfo(task);
  if (!info) return undefined;
  const base = { missionId: info.missionId, itemId: info.itemId };
  const ws = await WorkingSet.load(env.store, info.missionId);
  if (!ws) return { ...base, outcome: "mission_not_found" };
  const item = ws.items.get(info.itemId);
  if (!item) return { ...base, outcome: "work_item_not_found" };
  const ctx = await PassContext.load(env.store, configOf(env));
  const result = (task.result ?? "").trim();
  const artifacts = [`task:${task.id}`, ...(result ? [result] : [])];
  let outcome: SubmissionOutcome;
  if (info.kind === "review") {
    const lower = result.toLowerCase();
    outcome = lower.startsWith("rejected:") || lower.startsWith("changes requested:")
      ? await requestChanges(ctx, ws, item, result)
      : approveSubmission(ws, item, artifacts);
  } else {
    outcome = await recordSubmission(ctx, ws, item, artifacts);
  }
  await ws.flush(env.store);
  if (outcome !== "completed") return { ...base, outcome };
  const pass = await schedulerPass(await PassContext.load(env.store, configOf(env)));
  return { ...base, outcome, pass };
}

/** True when the mission can still change (for faces that guard operations). */
export function isMissionOpen(m: MissionRun): boolean {
  return !isMissionTerminal(m.state);
}
