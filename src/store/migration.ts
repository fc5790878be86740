/**
 * `tt migrate`: brings data written by older tinytown versions (or by tinytown at all) into
 * the layout tt reads.
 *
 * 1. Keys without a town (`tt:agent:<id>`, `tt:inbox:<id>`, `tt:urgent:<id>`, `tt:task:<id>`,
 *    `tt:activity:<id>`, `tt:stop:<id>`, `tt:backlog`) move to `tt:<town>:…`. Unlike
 *    tinytown, an existing destination is never overwritten: lists are merged (the older
 *    entries first), anything else is left in place and reported.
 * 2. Agent and task records stored as JSON strings become hashes (tinytown's `--hash`).
 * 3. Agent and task hashes missing from tt's index sets are added, so `tt list` and
 *    `tt task list` see agents and tasks that tinytown created. An agent whose name tt does
 *    not accept (it is used in file paths) is left out and reported, as is its conversion.
 * 4. The per-state task sets `tt status` counts are recomputed from the task records.
 */
import { agentFromJson, agentToHash } from "../model/agent.ts";
import { parseId } from "../model/ids.ts";
import { agentNameProblem } from "../model/names.ts";
import { taskFromJson, taskToHash } from "../model/task.ts";
import type { HashWrite } from "../model/fields.ts";
import type { RedisClient } from "../redis/client.ts";
import { TypedPipeline } from "../redis/typed_pipeline.ts";
import { LEGACY_KEYS, type TownKeys } from "./keys.ts";
import { TaskStates } from "./task_states.ts";

/** The connection and key names a migration works on. */
interface Db {
  redis: RedisClient;
  keys: TownKeys;
}

const FAMILIES = ["agent", "inbox", "urgent", "task", "activity", "stop"] as const;
const LIST_KINDS = new Set(["inbox", "urgent", "activity", "backlog"]);

export interface KeyMove {
  from: string;
  to: string;
  kind: string;
  /** rename: destination free; merge: both lists; conflict: left where it is. */
  action: "rename" | "merge" | "conflict";
}

export interface MigrationPlan {
  town: string;
  moves: KeyMove[];
  /** Agent and task keys (after the moves) holding JSON strings. */
  conversions: string[];
  /** Ids of records not yet in the index sets (including those the moves bring). */
  unindexedAgents: string[];
  unindexedTasks: string[];
}

export interface MigrationResult extends MigrationPlan {
  /** Keys that could not be migrated, with why. */
  failed: { key: string; reason: string }[];
}

export function migrationNeeded(p: MigrationPlan): boolean {
  return p.moves.some((m) => m.action !== "conflict") || p.conversions.length > 0 ||
    p.unindexedAgents.length > 0 || p.unindexedTasks.length > 0;
}

async function types(store: Db, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const p = new TypedPipeline(store.redis.pipeline());
  const replies = keys.map((k) => p.type(k));
  await p.exec();
  return replies.map((r) => r.value);
}

/** `tt:<kind>:<uuid>` keys of one family (anything else under `tt:<kind>:` is another town's). */
async function oldKeys(store: Db, kind: string): Promise<string[]> {
  const found = await store.redis.scanAll(LEGACY_KEYS.kindPattern(kind));
  return found.filter((k) => {
    const parts = k.split(":");
    return parts.length === 3 && parseId(parts[2]) === parts[2];
  }).sort();
}

/** Records of this town (`tt:<town>:<kind>:<uuid>`) with their Redis types. */
async function townRecords(store: Db, kind: "agent" | "task") {
  const prefix = store.keys.kindPrefix(kind);
  const keys = (await store.redis.scanAll(store.keys.kindPattern(kind)))
    .filter((k) => parseId(k.slice(prefix.length)) === k.slice(prefix.length)).sort();
  const t = await types(store, keys);
  return keys.map((key, i) => ({ key, id: key.slice(prefix.length), type: t[i] }));
}

/** What a migration would do; changes nothing. */
async function planMigration(store: Db, town: string): Promise<MigrationPlan> {
  const moves: KeyMove[] = [];
  for (const kind of FAMILIES) {
    for (const from of await oldKeys(store, kind)) {
      const to = store.keys.kindPrefix(kind) + from.split(":")[2];
      moves.push({ from, to, kind, action: "rename" });
    }
  }
  if ((await store.redis.exists(LEGACY_KEYS.backlog)) === 1) {
    const from = LEGACY_KEYS.backlog;
    moves.push({ from, to: store.keys.backlog, kind: "backlog", action: "rename" });
  }
  const [fromTypes, toTypes] = await Promise.all([
    types(store, moves.map((m) => m.from)),
    types(store, moves.map((m) => m.to)),
  ]);
  moves.forEach((m, i) => {
    if (toTypes[i] === "none") return;
    const lists = fromTypes[i] === "list" && toTypes[i] === "list" && LIST_KINDS.has(m.kind);
    m.action = lists ? "merge" : "conflict";
  });
  const [agents, tasks, agentIndex, taskIndex] = await Promise.all([
    townRecords(store, "agent"),
    townRecords(store, "task"),
    store.redis.smembers(store.keys.agentsIndex),
    store.redis.smembers(store.keys.tasksIndex),
  ]);
  const records = (kind: "agent" | "task", found: { key: string; id: string; type: string }[]) => {
    const incoming = moves.flatMap((m, i) =>
      m.kind === kind && m.action === "rename"
        ? [{ key: m.to, id: m.to.slice(m.to.lastIndexOf(":") + 1), type: fromTypes[i] }]
        : []
    );
    return [...found, ...incoming].filter((r) => r.type === "hash" || r.type === "string");
  };
  const allAgents = records("agent", agents);
  const allTasks = records("task", tasks);
  const indexedA = new Set(agentIndex);
  const indexedT = new Set(taskIndex);
  return {
    town,
    moves,
    conversions: [...allAgents, ...allTasks].filter((r) => r.type === "string").map((r) => r.key),
    unindexedAgents: allAgents.filter((r) => !indexedA.has(r.id)).map((r) => r.id),
    unindexedTasks: allTasks.filter((r) => !indexedT.has(r.id)).map((r) => r.id),
  };
}

/** Runs the migration; each key is handled on its own, so one bad key does not stop the rest. */
async function migrate(store: Db, town: string): Promise<MigrationResult> {
  const plan = await planMigration(store, town);
  const failed: { key: string; reason: string }[] = [];
  for (const m of plan.moves) {
    if (m.action === "rename") {
      const ok = (await store.redis.command(["RENAMENX", m.from, m.to])) === 1;
      if (!ok) m.action = "conflict"; // someone created the destination meanwhile
    } else if (m.action === "merge") {
      // Moving the old list's tail to the new list's head, one by one, keeps both orders.
      while ((await store.redis.lmove(m.from, m.to, "RIGHT", "LEFT")) !== null) { /* next */ }
    }
    if (m.action === "conflict") {
      failed.push({ key: m.from, reason: `${m.to} already exists; left ${m.from} in place` });
    }
  }
  for (const key of plan.conversions) {
    const reason = await convert(store, key);
    if (reason) failed.push({ key, reason });
  }
  const converted = new Set(plan.conversions.filter((k) => !failed.some((f) => f.key === k)));
  const indexable = (kind: "agent" | "task", ids: string[]) =>
    ids.filter((id) => {
      const key = kind === "agent" ? store.keys.agent(id) : store.keys.task(id);
      return !plan.conversions.includes(key) || converted.has(key);
    });
  const agents = await validlyNamed(store, indexable("agent", plan.unindexedAgents), failed);
  const tasks = indexable("task", plan.unindexedTasks);
  if (agents.length) await store.redis.sadd(store.keys.agentsIndex, ...agents);
  if (tasks.length) await store.redis.sadd(store.keys.tasksIndex, ...tasks);
  // Other tools change task states without tt's per-state sets: recount them from the records.
  await new TaskStates(store.redis, store.keys).rebuild();
  return { ...plan, unindexedAgents: agents, unindexedTasks: tasks, failed };
}

/**
 * The agents whose stored name is a valid agent name (tt uses it in file paths); the others
 * are left out of the index and reported, since tinytown accepts names tt does not.
 */
async function validlyNamed(
  store: Db,
  ids: string[],
  failed: { key: string; reason: string }[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const p = new TypedPipeline(store.redis.pipeline());
  const names = ids.map((id) => p.hget(store.keys.agent(id), "name"));
  await p.exec();
  return ids.filter((id, i) => {
    const problem = agentNameProblem(names[i].value ?? undefined);
    if (problem) failed.push({ key: store.keys.agent(id), reason: `not indexed: ${problem}` });
    return problem === undefined;
  });
}

/** Rewrites one JSON-string record as a hash; returns why not, on failure. */
async function convert(store: Db, key: string): Promise<string | undefined> {
  const json = await store.redis.get(key);
  if (json === null) return "the key disappeared";
  let write: HashWrite;
  try {
    if (key.startsWith(store.keys.kindPrefix("agent"))) {
      const agent = agentFromJson(json);
      const problem = agentNameProblem(agent.name);
      if (problem) return `left as it is: ${problem}`;
      write = agentToHash(agent);
    } else write = taskToHash(taskFromJson(json));
  } catch (err) {
    return `cannot read the JSON record: ${(err as Error).message}`;
  }
  await store.redis.multi()
    .add("DEL", key)
    .add("HSET", key, ...Object.entries(write.set).flat())
    .exec();
  return undefined;
}

/** `tt migrate` over one town's connection. */
export class Migration {
  readonly #db: Db;

  constructor(redis: RedisClient, keys: TownKeys) {
    this.#db = { redis, keys };
  }

  /** What a migration would do; changes nothing. */
  plan(town: string): Promise<MigrationPlan> {
    return planMigration(this.#db, town);
  }

  /** Runs the migration; each key is handled on its own. */
  run(town: string): Promise<MigrationResult> {
    return migrate(this.#db, town);
  }
}
