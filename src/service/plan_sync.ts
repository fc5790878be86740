/**
 * How plan entries and Redis tasks correspond, shared by `tt sync push` and `tt sync pull`.
 *
 * An entry maps to exactly one task, found (in this order) as: the task whose id is the entry
 * id (entries pulled from Redis-only tasks use the task id), the task whose id is derived from
 * the entry id (what push creates: a name-based UUID, so pushing again finds the same task
 * without any lookup table), or the oldest task tagged `plan:<entry id>` (what tinytown's push
 * creates).
 */
import { SUPERVISOR_ID } from "../model/ids.ts";
import { isSupervisorAlias, parseId, shortId } from "../model/ids.ts";
import { type Agent, displayLabel, displayName } from "../model/agent.ts";
import type { Task } from "../model/task.ts";
import type { PlanEntry } from "./plan_file.ts";

export const PLAN_TAG_PREFIX = "plan:";

/** Fixed namespace of tt's plan-derived task ids (a name-based, version 5 UUID). */
const PLAN_NAMESPACE = "5d7c1f3a-9e24-4b6d-8a10-c3e2f47b9d05";

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The task id push gives the entry `planId`: the same for the same id, in every town. */
export async function planTaskId(planId: string): Promise<string> {
  const ns = Uint8Array.from(
    PLAN_NAMESPACE.replaceAll("-", "").match(/../g)!.map((h) => parseInt(h, 16)),
  );
  const name = new TextEncoder().encode(planId);
  const input = new Uint8Array(ns.length + name.length);
  input.set(ns);
  input.set(name, ns.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", input)).slice(0, 16);
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const h = hex(digest);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The entry id a task carries in a `plan:<id>` tag, if any. */
export function planIdFromTags(tags: readonly string[]): string | undefined {
  const tag = tags.find((t) => t.startsWith(PLAN_TAG_PREFIX) && t.length > PLAN_TAG_PREFIX.length);
  return tag?.slice(PLAN_TAG_PREFIX.length);
}

/** Tags without tt's `plan:` bookkeeping tags. */
export function userTags(tags: readonly string[]): string[] {
  return tags.filter((t) => !t.startsWith(PLAN_TAG_PREFIX));
}

/** The tags a task of this entry carries: the entry's, then `plan:<id>` (unless id = task id). */
export function taskTags(entry: PlanEntry, taskId: string): string[] {
  const tags = [...new Set(userTags(entry.tags))];
  return entry.id === taskId ? tags : [...tags, `${PLAN_TAG_PREFIX}${entry.id}`];
}

/** Same members, order ignored. */
export function sameTags(a: readonly string[], b: readonly string[]): boolean {
  const key = (x: readonly string[]) => [...new Set(x)].sort().join("\u0000");
  return key(a) === key(b);
}

export interface EntryMatch {
  entry: PlanEntry;
  /** Position in the file. */
  index: number;
  /** The task the entry maps to, when it exists. */
  task?: Task;
  /** The existing task's id, or the id a new task gets. */
  taskId: string;
}

/** Maps every entry to its task (or to the id its new task will get). */
export async function matchEntries(
  entries: readonly PlanEntry[],
  tasks: readonly Task[],
): Promise<EntryMatch[]> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const byTag = new Map<string, Task>();
  for (const t of tasks) { // oldest first, so the first tagged task wins
    for (const tag of t.tags) {
      if (!tag.startsWith(PLAN_TAG_PREFIX)) continue;
      const id = tag.slice(PLAN_TAG_PREFIX.length);
      if (!byTag.has(id)) byTag.set(id, t);
    }
  }
  const used = new Set<string>();
  const out: EntryMatch[] = [];
  for (const [index, entry] of entries.entries()) {
    const own = parseId(entry.id);
    const derived = await planTaskId(entry.id);
    const candidates = [own ? byId.get(own) : undefined, byId.get(derived), byTag.get(entry.id)];
    const task = candidates.find((t): t is Task => t !== undefined && !used.has(t.id));
    if (task) used.add(task.id);
    out.push({ entry, index, task, taskId: task?.id ?? own ?? derived });
  }
  return out;
}

/** Agent lookup without Redis round trips, by the same names `resolve` accepts. */
export class AgentNames {
  private readonly byId: Map<string, Agent>;
  constructor(private readonly agents: readonly Agent[]) {
    this.byId = new Map(agents.map((a) => [a.id, a]));
  }

  /** True when `ref` names the agent (or conductor mailbox) with id `id`. */
  refersTo(ref: string, id: string): boolean {
    const r = ref.trim().toLowerCase();
    if (isSupervisorAlias(r)) return id === SUPERVISOR_ID;
    if (parseId(ref.trim()) === id) return true;
    const a = this.byId.get(id);
    if (!a) return false;
    return [a.name, displayName(a), displayLabel(a), shortId(a.id)]
      .some((n) => n.toLowerCase() === r);
  }

  /** What the file should say for an assignee: the agent's name, `conductor`, or the id. */
  nameOf(id: string): string {
    if (id === SUPERVISOR_ID) return "conductor";
    const a = this.byId.get(id);
    if (!a) return id;
    // A name shared by several agents would not resolve; the id always does.
    const same = this.agents.filter((x) => x.name.toLowerCase() === a.name.toLowerCase());
    return same.length === 1 ? a.name : a.id;
  }
}

/** One entry's outcome: its id in the file, its task, and what changed (human fragments). */
export interface SyncItem {
  id: string;
  taskId: string;
  changes: string[];
}
