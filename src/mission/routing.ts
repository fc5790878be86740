/**
 * Choosing an agent for a work item (spec extended §6.8): each agent's lane from its role or
 * name, a base score from the item's owner role or kind, minus 30 per item already given to
 * that agent in this assignment step; the best positive score wins.
 */
import type { Agent } from "../model/agent.ts";
import type { WorkItem, WorkKind } from "../model/mission.ts";

export type Lane =
  | "backend"
  | "frontend"
  | "tester"
  | "reviewer"
  | "devops"
  | "runner"
  | "researcher"
  | "generalist";

const ROLE_LANES: Record<string, Lane> = {
  backend: "backend",
  frontend: "frontend",
  tester: "tester",
  test: "tester",
  reviewer: "reviewer",
  review: "reviewer",
  audit: "reviewer",
  devops: "devops",
  infra: "devops",
  runner: "runner",
  researcher: "researcher",
  default: "generalist",
  worker: "generalist",
};

const NAME_LANES: [string[], Lane][] = [
  [["review", "audit"], "reviewer"],
  [["test", "qa"], "tester"],
  [["backend", "api", "server"], "backend"],
  [["frontend", "ui", "web", "client"], "frontend"],
  [["devops", "infra", "deploy"], "devops"],
  [["runner", "ci"], "runner"],
  [["research", "explore"], "researcher"],
];

const has = (text: string, words: string[]) => words.some((w) => text.includes(w));

export function laneOf(agent: Agent): Lane {
  const role = agent.roleId?.toLowerCase();
  if (role && Object.hasOwn(ROLE_LANES, role)) return ROLE_LANES[role];
  const name = agent.name.toLowerCase();
  return NAME_LANES.find(([words]) => has(name, words))?.[1] ?? "generalist";
}

export function roleAlias(role: string): string {
  const r = role.toLowerCase();
  return r === "test"
    ? "tester"
    : r === "review" || r === "audit"
    ? "reviewer"
    : r === "infra"
    ? "devops"
    : r;
}

const ROLE_NAME_WORDS: Record<string, string[]> = {
  backend: ["backend", "api", "server"],
  frontend: ["frontend", "ui", "web", "client"],
  tester: ["test", "qa"],
  reviewer: ["review", "audit"],
  devops: ["devops", "infra", "deploy"],
};

export function matchesRole(agent: Agent, role: string): boolean {
  const r = roleAlias(role);
  if (agent.roleId) return roleAlias(agent.roleId) === r;
  return has(agent.name.toLowerCase(), ROLE_NAME_WORDS[r] ?? [r]);
}

/** Reviewer detection for review tasks: role reviewer/review/audit, else the name. */
export function isReviewer(agent: Agent): boolean {
  const role = agent.roleId?.toLowerCase();
  if (role) return role === "reviewer" || role === "review" || role === "audit";
  return has(agent.name.toLowerCase(), ["review", "audit"]);
}

type Cols = "bfd" | "generalist" | "researcher" | "runner" | "tester" | "reviewer";
const col = (lane: Lane): Cols =>
  lane === "backend" || lane === "frontend" || lane === "devops" ? "bfd" : lane;

const KIND_TABLE: Record<WorkKind, Record<Cols, number>> = {
  implement: { bfd: 60, generalist: 60, researcher: 35, runner: 35, tester: 5, reviewer: 0 },
  test: { bfd: 45, generalist: 45, researcher: 30, runner: 30, tester: 85, reviewer: 10 },
  review: { bfd: 5, generalist: 20, researcher: 35, runner: 5, tester: 5, reviewer: 100 },
  design: { bfd: 55, generalist: 55, researcher: 75, runner: 20, tester: 10, reviewer: 30 },
  mergegate: { bfd: 35, generalist: 35, researcher: 20, runner: 80, tester: 10, reviewer: 50 },
  followup: { bfd: 50, generalist: 50, researcher: 50, runner: 35, tester: 20, reviewer: 10 },
};

export function baseScore(agent: Agent, item: Pick<WorkItem, "kind" | "owner_role">): number {
  const lane = laneOf(agent);
  if (item.kind === "review" && lane === "reviewer") return 120;
  const c = col(lane);
  if (item.owner_role) {
    if (matchesRole(agent, item.owner_role)) return 100;
    const r = roleAlias(item.owner_role);
    if (r === "backend" || r === "frontend" || r === "devops") {
      const t = item.kind === "implement" ? 5 : 15;
      return { generalist: 55, bfd: 35, researcher: 20, runner: 20, tester: t, reviewer: 0 }[c];
    }
    if (r === "tester") {
      return { generalist: 45, bfd: 30, researcher: 20, runner: 20, tester: 100, reviewer: 5 }[c];
    }
    if (r === "reviewer") {
      return { generalist: 10, bfd: 0, researcher: 20, runner: 0, tester: 0, reviewer: 100 }[c];
    }
  }
  return KIND_TABLE[item.kind][c];
}

/**
 * The best candidate (stable by the list's order on ties) with a total above 0, or undefined.
 * `load` counts items already given to each agent in this assignment step.
 */
export function chooseAgent(
  item: Pick<WorkItem, "kind" | "owner_role">,
  candidates: readonly Agent[],
  load: ReadonlyMap<string, number> = new Map(),
): Agent | undefined {
  const scored = candidates.map((agent, i) => ({
    agent,
    i,
    total: baseScore(agent, item) - 30 * (load.get(agent.id) ?? 0),
  }));
  scored.sort((a, b) => b.total - a.total || a.i - b.i);
  return scored.find((s) => s.total > 0)?.agent;
}
