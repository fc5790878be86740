/**
 * `tasks.toml`: the town's work plan as a file people edit and commit. This module reads it
 * (every mistake reported as `file:line: what is wrong`), writes the commented starter file,
 * and renders a whole plan when a file has to be written from scratch.
 */
import { join } from "node:path";
import { ConfigError, TtError } from "../errors.ts";
import { parseId } from "../model/ids.ts";
import { parseTaskState, TASK_STATES, type TaskState } from "../model/task.ts";
import { isTable, readTextIfExists, type TomlTable, writeTextAtomic } from "../town/toml_file.ts";
import { parseToml } from "../town/toml_text.ts";
import {
  arrayBlocks,
  type Layout,
  lineOf,
  scanLayout,
  type TableBlock,
  tomlString,
  tomlStringArray,
} from "./plan_text.ts";

export const PLAN_FILE_NAME = "tasks.toml";

export interface PlanEntry {
  /** The entry's own name, unique in the file. */
  id: string;
  description: string;
  /** Agent reference (name, nickname, id, `conductor`); absent = backlog. */
  agent?: string;
  status: TaskState;
  tags: string[];
  /** Another entry's id, or a task id. */
  parent?: string;
}

export interface Plan {
  description: string;
  /** Kept for tinytown's format; nothing assigns by it (as in tinytown). */
  defaultAgent?: string;
  tasks: PlanEntry[];
}

/** A plan as read from its file, with where everything is in the text. */
export interface PlanFile {
  file: string;
  text: string;
  plan: Plan;
  layout: Layout;
  /** The `[[tasks]]` blocks, one per entry; undefined when the file's layout is unusual. */
  blocks?: TableBlock[];
}

export function planPath(root: string): string {
  return join(root, PLAN_FILE_NAME);
}

/** The comment every file tt writes starts with (the user may edit or delete it). */
export const PLAN_HEADER =
  `# tasks.toml - the work plan of this town. 'tt plan' shows it; 'tt sync' keeps it and
# Redis in step.
#
# Each [[tasks]] table is one task:
#   id           a name for the entry, unique in this file (required)
#   description  what needs doing (required)
#   agent        who does it: agent name, nickname, id, or "conductor". Leave it out to put
#                the task in the backlog, where an agent whose role matches can claim it.
#   status       pending (the default), assigned, running, completed, failed or cancelled
#   tags         labels for role matching, e.g. ["backend", "api"]
#   parent       the id of the entry (or task) this one is part of
#
# 'tt sync push' makes one Redis task per entry. Pushing again updates those same tasks and
# never duplicates them; a task's state only moves forward (a finished task is never
# reopened). 'tt sync pull' copies the tasks' state back into this file, changing only the
# values that differ, so comments stay; tasks that exist only in Redis are appended.
`;

const TEMPLATE_BODY = `
[meta]
description = "Task plan for this project"

[[tasks]]
id = "example-1"
description = "Example task - replace with your own"
status = "pending"
tags = ["example"]
`;

export function planTemplate(): string {
  return PLAN_HEADER + TEMPLATE_BODY;
}

/**
 * Writes the starter `tasks.toml`. An existing file is kept unless `force` (tinytown
 * overwrites it silently; a plan is too much work to lose to a stray `--init`).
 */
export async function initPlan(root: string, force = false): Promise<string> {
  const file = planPath(root);
  if (!force && (await readTextIfExists(file)) !== undefined) {
    throw new TtError(`${file} already exists; use --force to replace it with the template`);
  }
  await writeTextAtomic(file, planTemplate());
  return file;
}

/** Reads `root/tasks.toml`; undefined when there is none. */
export async function readPlanFile(root: string): Promise<PlanFile | undefined> {
  const file = planPath(root);
  const text = await readTextIfExists(file);
  return text === undefined ? undefined : parsePlanFile(text, file);
}

/** Like readPlanFile, but a missing file is an error saying how to make one. */
export async function loadPlanFile(root: string): Promise<PlanFile> {
  const pf = await readPlanFile(root);
  if (!pf) throw new TtError(`no ${planPath(root)}: create one with 'tt plan --init'`);
  return pf;
}

class PlanReader {
  constructor(
    readonly file: string,
    readonly blocks: TableBlock[] | undefined,
    readonly metaBlock: TableBlock | undefined,
  ) {}

  /** `file:line: task #n ("id") problem`, the line being the key's (else the table's). */
  fail(index: number | "meta", key: string | undefined, problem: string, id?: string) {
    const block = index === "meta" ? this.metaBlock : this.blocks?.[index];
    const line = lineOf(block, key);
    const where = line === undefined ? this.file : `${this.file}:${line}`;
    const what = index === "meta" ? "[meta]" : `task #${index + 1}${id ? ` ("${id}")` : ""}`;
    return new ConfigError(`${where}: ${what} ${problem}`);
  }

  string(t: TomlTable, index: number | "meta", key: string): string | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw this.fail(index, key, `'${key}' must be a string`);
    return v;
  }
}

/** Parses and checks a plan. Every error is one line: `file:line: what is wrong`. */
export function parsePlanFile(text: string, file: string): PlanFile {
  const doc = parseToml({ file, text });
  const layout = scanLayout(text);
  const rawTasks = doc.tasks;
  if (rawTasks !== undefined && !(Array.isArray(rawTasks) && rawTasks.every(isTable))) {
    throw new ConfigError(`${file}: 'tasks' must be [[tasks]] tables`);
  }
  const entries = (rawTasks ?? []) as TomlTable[];
  const found = arrayBlocks(layout, "tasks");
  const blocks = found.length === entries.length ? found : undefined;
  const metaBlock = layout.blocks.find((b) => !b.array && b.name === "meta");
  const r = new PlanReader(file, blocks, metaBlock);
  const meta = doc.meta ?? {};
  if (!isTable(meta)) throw r.fail("meta", undefined, "'meta' must be a table");
  const defaultAgent = r.string(meta, "meta", "default_agent")?.trim();
  const plan: Plan = {
    description: r.string(meta, "meta", "description") ?? "",
    ...(defaultAgent ? { defaultAgent } : {}),
    tasks: entries.map((t, i) => readEntry(r, t, i)),
  };
  checkIds(r, plan.tasks);
  return { file, text, plan, layout, blocks };
}

function readEntry(r: PlanReader, t: TomlTable, i: number): PlanEntry {
  const id = r.string(t, i, "id")?.trim();
  if (!id) throw r.fail(i, undefined, 'has no id: give it one, e.g. id = "task-1"');
  const description = r.string(t, i, "description");
  if (description === undefined || description.trim() === "") {
    throw r.fail(i, "description", "needs a non-empty description", id);
  }
  const statusText = r.string(t, i, "status");
  const status = statusText === undefined
    ? "pending"
    : parseTaskState(statusText.trim().toLowerCase());
  if (status === undefined) {
    const allowed = TASK_STATES.join(", ");
    throw r.fail(i, "status", `has status "${statusText}"; use one of: ${allowed}`, id);
  }
  const tags = t.tags ?? [];
  if (!Array.isArray(tags) || tags.some((x) => typeof x !== "string")) {
    throw r.fail(i, "tags", `'tags' must be an array of strings, e.g. ["backend", "api"]`, id);
  }
  const agent = r.string(t, i, "agent")?.trim();
  const parent = r.string(t, i, "parent")?.trim();
  return {
    id,
    description,
    ...(agent ? { agent } : {}),
    status,
    tags: [...tags] as string[],
    ...(parent ? { parent } : {}),
  };
}

function checkIds(r: PlanReader, tasks: PlanEntry[]): void {
  const seen = new Map<string, number>();
  tasks.forEach((t, i) => {
    const first = seen.get(t.id);
    if (first !== undefined) {
      throw r.fail(i, "id", `repeats the id of task #${first + 1}; ids must be unique`, t.id);
    }
    seen.set(t.id, i);
  });
  tasks.forEach((t, i) => {
    if (t.parent === undefined) return;
    if (t.parent === t.id) throw r.fail(i, "parent", "names itself as its parent", t.id);
    if (!seen.has(t.parent) && !parseId(t.parent)) {
      const why = `has parent "${t.parent}", which is neither an id in this file nor a task id`;
      throw r.fail(i, "parent", why, t.id);
    }
  });
}

/** The lines of one `[[tasks]]` table. */
export function renderEntry(e: PlanEntry): string {
  return [
    "[[tasks]]",
    `id = ${tomlString(e.id)}`,
    `description = ${tomlString(e.description)}`,
    ...(e.agent !== undefined ? [`agent = ${tomlString(e.agent)}`] : []),
    `status = ${tomlString(e.status)}`,
    `tags = ${tomlStringArray(e.tags)}`,
    ...(e.parent !== undefined ? [`parent = ${tomlString(e.parent)}`] : []),
  ].join("\n") + "\n";
}

/** A whole file for `plan`, with the explanatory header and an optional note under it. */
export function renderPlan(plan: Plan, note?: string): string {
  const meta = [
    "[meta]",
    `description = ${tomlString(plan.description)}`,
    ...(plan.defaultAgent !== undefined
      ? [`default_agent = ${tomlString(plan.defaultAgent)}`]
      : []),
  ].join("\n");
  const parts = [PLAN_HEADER + (note ? `#\n${commentLines(note)}` : ""), meta + "\n"];
  for (const e of plan.tasks) parts.push(renderEntry(e));
  return parts.join("\n");
}

/** `text` as `# ` comment lines of at most 95 characters. */
function commentLines(text: string): string {
  const lines: string[] = [];
  let line = "#";
  for (const word of text.split(/\s+/)) {
    if (line.length + 1 + word.length > 95 && line !== "#") {
      lines.push(line);
      line = "#";
    }
    line += ` ${word}`;
  }
  return [...lines, line].join("\n") + "\n";
}

/** The `--json` form of an entry (absent optionals as null). */
export function planEntryJson(e: PlanEntry): Record<string, unknown> {
  return {
    id: e.id,
    description: e.description,
    agent: e.agent ?? null,
    status: e.status,
    tags: e.tags,
    parent: e.parent ?? null,
  };
}

/** True when two entries say the same thing (tags compared as sets). */
export function sameEntry(a: PlanEntry, b: PlanEntry): boolean {
  const tags = (x: string[]) => [...new Set(x)].sort().join("\u0000");
  return a.id === b.id && a.description === b.description && a.agent === b.agent &&
    a.status === b.status && tags(a.tags) === tags(b.tags) && a.parent === b.parent;
}
