/**
 * Backlog role matching: which backlog tasks an agent loop offers to its agent. tinytown
 * derives a role bucket from substrings of the agent's canonical name; tt first tries the
 * agent's explicit `role_id` (when set and not `default`) and falls back to the name when the
 * role id says nothing specific (e.g. `worker`). Substring rules are kept as tinytown has
 * them, surprises included (`builder` contains `ui` -> frontend).
 */
import { DEFAULT_ROLE } from "../model/agent.ts";
import type { Task } from "../model/task.ts";

export const ROLE_BUCKETS = [
  "frontend",
  "backend",
  "tester",
  "reviewer",
  "docs",
  "devops",
  "security",
  "general",
] as const;
export type RoleBucket = typeof ROLE_BUCKETS[number];

interface BucketRule {
  bucket: Exclude<RoleBucket, "general">;
  /** The bucket applies when the lowercased name contains any of these. */
  nameParts: readonly string[];
  /** ...or equals one of these. */
  nameEquals: readonly string[];
}

/** Checked in order; the first hit wins. */
const BUCKET_RULES: readonly BucketRule[] = [
  { bucket: "frontend", nameParts: ["front", "ui", "web", "client"], nameEquals: [] },
  { bucket: "backend", nameParts: ["back", "api", "server"], nameEquals: [] },
  { bucket: "tester", nameParts: ["test", "qa"], nameEquals: [] },
  { bucket: "reviewer", nameParts: ["review", "audit"], nameEquals: [] },
  { bucket: "docs", nameParts: ["doc", "writer"], nameEquals: [] },
  { bucket: "devops", nameParts: ["devops", "ops", "infra", "deploy"], nameEquals: [] },
  { bucket: "security", nameParts: ["security"], nameEquals: ["sec"] },
];

const KEYWORDS: Readonly<Record<RoleBucket, readonly string[]>> = {
  frontend: ["frontend", "ui", "web", "client", "ux"],
  backend: ["backend", "api", "server", "database", "data"],
  tester: ["test", "qa", "validation", "regression"],
  reviewer: ["review", "reviewer", "qa", "security", "audit", "validation"],
  docs: ["docs", "doc", "documentation", "spec", "readme"],
  devops: ["devops", "ops", "infra", "deploy", "ci", "reliability"],
  security: ["security", "sec", "vulnerability", "hardening", "audit"],
  general: [],
};

const HINTS: Readonly<Record<RoleBucket, string>> = {
  frontend: "your focus is frontend work: look for tasks about frontend, ui, web or client code.",
  backend:
    "your focus is backend work: look for tasks about backend, api, server or database code.",
  tester: "your focus is testing: look for test, qa, validation or regression tasks.",
  reviewer: "your focus is review: look for code review, quality and security validation tasks.",
  docs: "your focus is documentation: look for documentation, spec or readme tasks.",
  devops: "your focus is operations: look for infrastructure, ci, deploy or reliability tasks.",
  security: "your focus is security: look for security, vulnerability or hardening tasks.",
  general: "no specialisation is implied by your name, so pick work that fits your skills.",
};

/** The specific bucket a name or role id implies, or `general` when none does. */
function bucketFromText(text: string): RoleBucket {
  const lower = text.toLowerCase();
  for (const rule of BUCKET_RULES) {
    if (rule.nameEquals.includes(lower)) return rule.bucket;
    if (rule.nameParts.some((part) => lower.includes(part))) return rule.bucket;
  }
  return "general";
}

/**
 * The agent's role bucket. An explicit role id (not empty, not `default`) is tried first; when
 * it implies no specific bucket, the canonical name decides, as in tinytown.
 */
export function roleBucket(name: string, roleId?: string): RoleBucket {
  if (roleId !== undefined && roleId.trim() !== "" && roleId !== DEFAULT_ROLE) {
    const fromRole = bucketFromText(roleId.trim());
    if (fromRole !== "general") return fromRole;
  }
  return bucketFromText(name);
}

/** The keywords a task is matched against; empty for `general`. */
export function roleKeywords(bucket: RoleBucket): readonly string[] {
  return KEYWORDS[bucket];
}

/** One sentence naming the bucket's focus, shown in the prompt's backlog section. */
export function roleHint(bucket: RoleBucket): string {
  return HINTS[bucket];
}

/**
 * True when `general`, or a lowercased tag equals a keyword, or the lowercased description
 * contains one (unanchored: `ci` matches "specific", as in tinytown).
 */
export function taskMatchesRole(
  bucket: RoleBucket,
  task: Pick<Task, "description" | "tags">,
): boolean {
  const keywords = KEYWORDS[bucket];
  if (keywords.length === 0) return true;
  const tags = task.tags.map((t) => t.toLowerCase());
  if (tags.some((t) => keywords.includes(t))) return true;
  const description = task.description.toLowerCase();
  return keywords.some((k) => description.includes(k));
}

export interface BacklogSnapshot {
  /** Backlog length, counting ids whose task record is missing. */
  total: number;
  /** How many loaded tasks match the role. */
  matching: number;
  /** The first `limit` matching tasks, in backlog order. */
  shown: Task[];
}

export const BACKLOG_SNAPSHOT_LIMIT = 8;

/**
 * Walks the backlog in order. `tasksInOrder` has one entry per backlog id; `undefined` marks
 * an id whose record is gone (counted in `total`, never matched).
 */
export function backlogSnapshot(
  bucket: RoleBucket,
  tasksInOrder: readonly (Task | undefined)[],
  limit = BACKLOG_SNAPSHOT_LIMIT,
): BacklogSnapshot {
  const shown: Task[] = [];
  let matching = 0;
  for (const task of tasksInOrder) {
    if (task === undefined || !taskMatchesRole(bucket, task)) continue;
    matching += 1;
    if (shown.length < limit) shown.push(task);
  }
  return { total: tasksInOrder.length, matching, shown };
}

/**
 * The question of the synthetic query the loop hands an agent that only received
 * informational messages while role-matching backlog work waits. Kept short because the
 * prompt cuts query lines at 120 characters.
 */
export function backlogNudge(agentName: string, matching: number): string {
  return `No direct work; ${matching} role-matching backlog task(s). ` +
    `Claim one: tt backlog claim <task-id> ${agentName}`;
}
