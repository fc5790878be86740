/**
 * `tt sync pull`: Redis -> tasks.toml. Each entry takes its task's description, status,
 * agent, tags and parent; tasks that exist only in Redis are appended as new entries; entries
 * whose task does not exist (not pushed yet) are kept as they are. The file is edited value by
 * value so comments and layout survive; when that cannot be done safely it is rewritten whole,
 * with a note at the top saying so.
 */
import { TtError } from "../errors.ts";
import { parseId } from "../model/ids.ts";
import type { Task } from "../model/task.ts";
import type { Store } from "../store/store.ts";
import { readTextIfExists, writeTextAtomic } from "../town/toml_file.ts";
import {
  parsePlanFile,
  type Plan,
  type PlanEntry,
  planPath,
  readPlanFile,
  renderEntry,
  renderPlan,
  sameEntry,
} from "./plan_file.ts";
import { type BlockEdit, editLayout, tomlString, tomlStringArray } from "./plan_text.ts";
import {
  AgentNames,
  matchEntries,
  planIdFromTags,
  sameTags,
  type SyncItem,
  userTags,
} from "./plan_sync.ts";

export interface PullReport {
  file: string;
  /** The file did not exist and was written from Redis. */
  createdFile: boolean;
  /** The file could not be edited in place and was rewritten (its comments are gone). */
  rewritten: boolean;
  updated: SyncItem[];
  unchanged: SyncItem[];
  /** Tasks found only in Redis, appended to the file. */
  added: SyncItem[];
  /** Entries whose task is not in Redis (kept; push creates them). */
  onlyInFile: string[];
}

const NEW_PLAN_DESCRIPTION = "Task plan for this project";

export async function pullPlan(store: Store, root: string): Promise<PullReport> {
  const pf = await readPlanFile(root);
  const plan: Plan = pf?.plan ?? { description: NEW_PLAN_DESCRIPTION, tasks: [] };
  const [tasks, agentList] = await Promise.all([store.tasks.list(), store.agents.list()]);
  const agents = new AgentNames(agentList);
  const matches = await matchEntries(plan.tasks, tasks);
  const planIdOf = new Map<string, string>();
  for (const m of matches) if (m.task) planIdOf.set(m.task.id, m.entry.id);
  const fileIds = new Set(plan.tasks.map((e) => e.id));
  const redisOnly = tasks.filter((t) => !planIdOf.has(t.id));
  for (const t of redisOnly) {
    const tagged = planIdFromTags(t.tags);
    const id = tagged !== undefined && !fileIds.has(tagged) ? tagged : t.id;
    fileIds.add(id);
    planIdOf.set(t.id, id);
  }
  const want = (entry: PlanEntry | undefined, t: Task): PlanEntry =>
    entryFor(entry, t, planIdOf.get(t.id)!, agents, planIdOf, matches);

  const report: PullReport = {
    file: pf?.file ?? planPath(root),
    createdFile: pf === undefined,
    rewritten: false,
    updated: [],
    unchanged: [],
    added: [],
    onlyInFile: [],
  };
  const edits: BlockEdit[] = [];
  const result: PlanEntry[] = [];
  for (const m of matches) {
    if (!m.task) {
      report.onlyInFile.push(m.entry.id);
      result.push(m.entry);
      continue;
    }
    const next = want(m.entry, m.task);
    const values = changedValues(m.entry, next);
    const item = { id: m.entry.id, taskId: m.task.id, changes: [...values.keys()] };
    (values.size ? report.updated : report.unchanged).push(item);
    if (values.size && pf?.blocks) edits.push({ block: pf.blocks[m.index], values });
    result.push(next);
  }
  const added = redisOnly.map((t) => want(undefined, t));
  report.added = added.map((e, i) => ({ id: e.id, taskId: redisOnly[i].id, changes: [] }));
  const expected: Plan = { ...plan, tasks: [...result, ...added] };

  if (!pf) {
    await unchangedSince(report.file, undefined);
    await writeTextAtomic(report.file, renderPlan(expected));
    return report;
  }
  if (report.updated.length === 0 && added.length === 0) return report;
  let text = pf.blocks
    ? editLayout(pf.layout, edits, added.map(renderEntry).join("\n"))
    : undefined;
  if (text === undefined || !saysTheSame(text, pf.file, expected)) {
    const note = `Rewritten in full by 'tt sync pull' on ${new Date().toISOString()}: the ` +
      "previous layout could not be edited in place.";
    text = renderPlan(expected, note);
    report.rewritten = true;
  }
  await unchangedSince(pf.file, pf.text);
  await writeTextAtomic(pf.file, text);
  return report;
}

/** Refuses to write over a file saved (by the user's editor) since pull read it. */
async function unchangedSince(file: string, text: string | undefined): Promise<void> {
  if ((await readTextIfExists(file)) !== text) {
    throw new TtError(`${file} changed while 'tt sync pull' ran; nothing written: run it again`);
  }
}

/** Whether an edited text parses back to exactly the plan we meant to write. */
function saysTheSame(text: string, file: string, expected: Plan): boolean {
  try {
    const got = parsePlanFile(text, file).plan;
    return got.description === expected.description &&
      got.defaultAgent === expected.defaultAgent &&
      got.tasks.length === expected.tasks.length &&
      got.tasks.every((e, i) => sameEntry(e, expected.tasks[i]));
  } catch {
    return false;
  }
}

/**
 * The entry a task should have. Where the file already says the same thing in its own words
 * (an agent by nickname, tags in another order, a parent by task id), its wording is kept.
 */
function entryFor(
  entry: PlanEntry | undefined,
  t: Task,
  id: string,
  agents: AgentNames,
  planIdOf: ReadonlyMap<string, string>,
  matches: readonly { entry: PlanEntry; taskId: string }[],
): PlanEntry {
  let agent: string | undefined;
  // A pending task is unassigned work, whatever stale assignee a requeue left on it.
  if (t.assignedTo !== undefined && t.state !== "pending") {
    agent = entry?.agent !== undefined && agents.refersTo(entry.agent, t.assignedTo)
      ? entry.agent
      : agents.nameOf(t.assignedTo);
  }
  const tags = entry && sameTags(entry.tags, userTags(t.tags)) ? entry.tags : userTags(t.tags);
  let parent: string | undefined;
  if (t.parentId !== undefined) {
    const fileParent = entry?.parent;
    const fileParentId = fileParent === undefined
      ? undefined
      : parseId(fileParent) ?? matches.find((m) => m.entry.id === fileParent)?.taskId;
    parent = fileParentId === t.parentId ? fileParent : planIdOf.get(t.parentId) ?? t.parentId;
  }
  return {
    id,
    description: t.description,
    ...(agent !== undefined ? { agent } : {}),
    status: t.state,
    tags,
    ...(parent !== undefined ? { parent } : {}),
  };
}

/** The keys whose values differ, with their new TOML text (undefined = remove the key). */
function changedValues(old: PlanEntry, next: PlanEntry): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  const opt = (v: string | undefined) => v === undefined ? undefined : tomlString(v);
  if (old.description !== next.description) out.set("description", tomlString(next.description));
  if (old.status !== next.status) out.set("status", tomlString(next.status));
  if (old.agent !== next.agent) out.set("agent", opt(next.agent));
  if (old.tags.join("\u0000") !== next.tags.join("\u0000")) {
    out.set("tags", tomlStringArray(next.tags));
  }
  if (old.parent !== next.parent) out.set("parent", opt(next.parent));
  return out;
}
