/**
 * The per-state sets of task ids (`tt:{town}:tasks:<state>`): every write that changes a
 * task's state moves its id between them in the same atomic step (a MULTI/EXEC or the same
 * Lua script), so their sizes are exact per-state counts and the `running` set is the index of
 * running tasks. `tt status` reads these instead of every task. Writers that do not know them
 * (tinytown, older tt, raw edits) make them drift: `rebuild` (run by `tt migrate` and
 * `tt restore`) recomputes them from the records in one script. The sets are trusted while they
 * hold as many ids as the task index (tasks indexed by another writer, or by an older tt, are
 * not in them); otherwise status reads every task, as before.
 */
import type { RedisClient } from "../redis/client.ts";
import type { Pipeline } from "../redis/pipeline.ts";
import { Script } from "../redis/script.ts";
import { TypedPipeline } from "../redis/typed_pipeline.ts";
import { parseTaskState, TASK_STATES, type TaskState } from "../model/task.ts";
import type { TownKeys } from "./keys.ts";

/** Lua: the state names in the order of `TownKeys.taskStates`. */
const LUA_STATES = `{ ${TASK_STATES.map((s) => `'${s}'`).join(", ")} }`;

/**
 * Lua helpers for scripts whose KEYS[first .. first+5] are the state sets. `restate` puts the
 * id in the set of `st` (read as tt reads a stored state: `in_flight` is running, anything
 * unknown pending) and takes it out of the others; `unstate` takes it out of all of them.
 */
export const RESTATE_LUA = `
local TASK_STATES = ${LUA_STATES}
local function canonical_state(st)
  if st == 'in_flight' then return 'running' end
  for _, s in ipairs(TASK_STATES) do if s == st then return st end end
  return 'pending'
end
local function restate(first, id, st)
  st = canonical_state(st)
  for k, s in ipairs(TASK_STATES) do
    if s == st then redis.call('SADD', KEYS[first + k - 1], id)
    else redis.call('SREM', KEYS[first + k - 1], id) end
  end
end
local function unstate(first, id)
  for k = 1, #TASK_STATES do redis.call('SREM', KEYS[first + k - 1], id) end
end
`;

/**
 * Recomputes the state sets from the records the index names, as `tt status` would count them
 * by reading every task (a record that is gone or not a hash is not counted; a gone one also
 * leaves the index).
 * KEYS = tasks index, the six state sets. ARGV[1] = task key prefix.
 * Returns how many tasks were counted.
 */
const REBUILD = new Script(`${RESTATE_LUA}
for k = 2, 1 + #TASK_STATES do redis.call('DEL', KEYS[k]) end
local by = {}
local total = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. id
  local kind = redis.call('TYPE', key).ok
  -- An id whose record is gone leaves the index, as a full task listing prunes it.
  if kind == 'none' then redis.call('SREM', KEYS[1], id) end
  if kind == 'hash' then
    local rec = redis.call('HMGET', key, 'state', 'description')
    if rec[1] or rec[2] then
      local st = canonical_state(rec[1])
      by[st] = by[st] or {}
      table.insert(by[st], id)
      total = total + 1
    end
  end
end
for k, s in ipairs(TASK_STATES) do
  local ids = by[s] or {}
  for i = 1, #ids, 1000 do
    redis.call('SADD', KEYS[1 + k], unpack(ids, i, math.min(i + 999, #ids)))
  end
end
return total
`);

/** Queues the commands that move `id` into the set of `state` (for a MULTI/EXEC). */
export function restateTo(p: Pipeline, keys: TownKeys, id: string, state: TaskState): void {
  TASK_STATES.forEach((s, i) => p.add(s === state ? "SADD" : "SREM", keys.taskStates[i], id));
}

/** Queues the commands that take `id` out of every state set. */
export function unstateTo(p: Pipeline, keys: TownKeys, id: string): void {
  for (const key of keys.taskStates) p.add("SREM", key, id);
}

/** A running task as status shows it. */
export interface RunningTask {
  id: string;
  assignedTo: string;
  description: string;
}

/** What `tt status` needs of the tasks without reading them all. */
export interface TaskStateSummary {
  counts: Record<TaskState, number>;
  /** Running tasks with an assignee, oldest first. */
  running: RunningTask[];
}

export class TaskStates {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  /** Recomputes the sets from the task records, atomically; how many tasks were counted. */
  async rebuild(): Promise<number> {
    return Number(await this.redis.evalScript(REBUILD, this.#rebuildKeys(), [this.#taskPrefix]));
  }

  /** Queues the rebuild at the end of a transaction (`tt restore` writes and counts at once). */
  rebuildTo(p: Pipeline): void {
    const keys = this.#rebuildKeys();
    p.add("EVAL", REBUILD.source, keys.length, ...keys, this.#taskPrefix);
  }

  /**
   * The counts and the running tasks, or undefined when the sets do not cover the task index
   * (tasks written by another tool or an older tt, not migrated yet): then only a full read
   * is right. Reads O(running tasks), never every task.
   */
  async summary(): Promise<TaskStateSummary | undefined> {
    const tx = new TypedPipeline(this.redis.multi());
    const indexed = tx.scard(this.keys.tasksIndex);
    const sizes = this.keys.taskStates.map((k) => tx.scard(k));
    const runningIds = tx.smembers(this.keys.taskStates[TASK_STATES.indexOf("running")]);
    await tx.exec();
    if (sizes.reduce((n, r) => n + r.value, 0) !== indexed.value) return undefined;
    const counts = Object.fromEntries(TASK_STATES.map((s, i) => [s, sizes[i].value])) as Record<
      TaskState,
      number
    >;
    const ids = runningIds.value;
    const p = new TypedPipeline(this.redis.pipeline());
    const rows = ids.map((id) =>
      p.hmget(this.keys.task(id), "state", "assigned_to", "description", "created_at")
    );
    await p.exec();
    const running: (RunningTask & { created: string })[] = [];
    rows.forEach((r, i) => {
      const [state, assignedTo, description, created] = r.value;
      // The set is exact for tt's writes; a record changed behind its back is read as it is.
      if (state === null || parseTaskState(state) !== "running" || !assignedTo) return;
      running.push({
        id: ids[i],
        assignedTo,
        description: description ?? "",
        created: created ?? "",
      });
    });
    running.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
    return { counts, running: running.map(({ created: _, ...t }) => t) };
  }

  get #taskPrefix(): string {
    return this.keys.kindPrefix("task");
  }

  #rebuildKeys(): string[] {
    return [this.keys.tasksIndex, ...this.keys.taskStates];
  }
}
