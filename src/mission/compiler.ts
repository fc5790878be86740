/**
 * The mission compiler (spec extended §6.6): issues -> work items with dependencies from the
 * issue bodies ("depends on #3", "blocked by #4 and #5", ...), kind and owner role guessed from
 * the text, then a topological sort that reports a cycle by the titles caught in it.
 */
import { TtError } from "../errors.ts";
import { newWorkItem, type WorkItem, type WorkKind } from "../model/mission.ts";

/** An issue as read from GitHub. */
export interface CompiledIssue {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
}

/** A dependency cycle among work items; the titles are the items caught in it. */
export class CycleError extends TtError {
  constructor(readonly titles: string[]) {
    super(`Cycle detected in work graph involving: ${titles.join(", ")}`);
  }
}

const ISSUE_LIST = String.raw`#\d+(?:(?:\s*[,&]\s*#\d+)|(?:\s+and\s+#\d+))*`;
const DEPENDENCY = new RegExp(
  String.raw`(?:depends?\s+on|after|blocked\s+by|requires?)\s+(${ISSUE_LIST})`,
  "gi",
);

/** Issue numbers the body says this issue depends on (no word boundaries, as the reference). */
export function dependencyNumbers(body: string): Set<number> {
  const out = new Set<number>();
  for (const m of body.matchAll(DEPENDENCY)) {
    for (const n of m[1].matchAll(/#(\d+)/g)) out.add(Number(n[1]));
  }
  return out;
}

const has = (text: string, words: string[]) => words.some((w) => text.includes(w));

export function inferKind(text: string): WorkKind {
  const t = text.toLowerCase();
  if (has(t, ["design", "rfc", "proposal"])) return "design";
  if (has(t, ["test", "spec"])) return "test";
  if (has(t, ["review"])) return "review";
  if (has(t, ["merge"])) return "mergegate";
  if (has(t, ["followup", "follow-up", "fix"])) return "followup";
  return "implement";
}

export function inferOwnerRole(text: string, kind: WorkKind): string | null {
  const t = text.toLowerCase();
  if (has(t, ["backend", "api", "server"])) return "backend";
  if (has(t, ["frontend", "ui", "web"])) return "frontend";
  if (kind === "test" || t.includes("qa owner")) return "tester";
  if (kind === "review") return "reviewer";
  if (has(t, ["devops", "infrastructure", "deploy"])) return "devops";
  return null;
}

/**
 * Work items for the issues (dependencies only among these issues, keyed by number as the
 * reference does), then one `design` item per document. Throws CycleError.
 */
export function compileWorkItems(
  missionId: string,
  issues: readonly CompiledIssue[],
  docs: readonly string[] = [],
): WorkItem[] {
  const byNumber = new Map<number, WorkItem>();
  const items: WorkItem[] = [];
  for (const issue of issues) {
    const text = `${issue.title} ${issue.body}`;
    const kind = inferKind(text);
    const item = newWorkItem(missionId, {
      title: issue.title,
      kind,
      owner_role: inferOwnerRole(text, kind),
      source_ref: `${issue.owner}/${issue.repo}#${issue.number}/#${issue.number}`,
    });
    items.push(item);
    byNumber.set(issue.number, item);
  }
  issues.forEach((issue, i) => {
    const deps: string[] = [];
    for (const n of dependencyNumbers(issue.body)) {
      const dep = byNumber.get(n);
      if (dep && dep.id !== items[i].id && !deps.includes(dep.id)) deps.push(dep.id);
    }
    items[i] = { ...items[i], depends_on: deps };
  });
  const sorted = topologicalOrder(items);
  for (const path of docs) {
    sorted.push(newWorkItem(missionId, { title: path, kind: "design", source_ref: path }));
  }
  return sorted;
}

/** Kahn's algorithm over `depends_on`; a cycle throws with the titles left over. */
export function topologicalOrder(items: readonly WorkItem[]): WorkItem[] {
  const ids = new Set(items.map((w) => w.id));
  const indegree = new Map<string, number>();
  const dependants = new Map<string, WorkItem[]>();
  for (const w of items) {
    const deps = w.depends_on.filter((d) => ids.has(d));
    indegree.set(w.id, deps.length);
    for (const d of deps) dependants.set(d, [...(dependants.get(d) ?? []), w]);
  }
  const queue = items.filter((w) => indegree.get(w.id) === 0);
  const out: WorkItem[] = [];
  while (queue.length) {
    const w = queue.shift()!;
    out.push(w);
    for (const next of dependants.get(w.id) ?? []) {
      const left = indegree.get(next.id)! - 1;
      indegree.set(next.id, left);
      if (left === 0) queue.push(next);
    }
  }
  if (out.length < items.length) {
    throw new CycleError(items.filter((w) => indegree.get(w.id)! > 0).map((w) => w.title));
  }
  return out;
}
