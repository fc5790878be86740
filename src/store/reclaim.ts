/**
 * The atomic steps of `tt reclaim`. Each is one Lua script that first checks the item is still
 * where the listing saw it (and its agent still dead), so of many concurrent reclaimers exactly
 * one moves each item. The scripts answer with the codes documented on them.
 */
import type { RedisClient } from "../redis/client.ts";
import { Script } from "../redis/script.ts";
import { TypedPipeline } from "../redis/typed_pipeline.ts";
import type { TownKeys } from "./keys.ts";
import { RESTATE_LUA } from "./task_states.ts";

/** Which of a dead agent's lists a message sits in. */
export type MessageSource = "inflight_urgent" | "urgent" | "inflight" | "inbox";

/** The lists in the order the agent's loop would have handled them. */
export const MESSAGE_SOURCES: readonly MessageSource[] = [
  "inflight_urgent",
  "urgent",
  "inflight",
  "inbox",
];

/** Lua: return -4 unless the agent (KEYS[1]) is gone or in a terminal state. */
const AGENT_DEAD = `
local ast = redis.call('HGET', KEYS[1], 'state')
if ast and ast ~= 'stopped' and ast ~= 'error' and ast ~= 'cold' then return -4 end
`;

/**
 * Moves one entry. KEYS = agent hash, source list, destination list.
 * ARGV = raw, new value, 'LPUSH' | 'RPUSH'. Returns 1 moved, 0 gone, -4 agent alive.
 */
const MOVE_ENTRY = new Script(`${AGENT_DEAD}
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then return 0 end
redis.call(ARGV[3], KEYS[3], ARGV[2])
return 1
`);

/**
 * A task_assign to the backlog: the task is requeued (pending, unassigned) unless it is
 * finished, missing, or now someone else's. KEYS = agent hash, source list, backlog, task hash,
 * the six task state sets. ARGV = raw, task id, dead agent id, updated_at. Returns 1, 0 gone, -1 task missing,
 * -2 task finished, -3 task reassigned, -4 agent alive.
 */
const ASSIGN_TO_BACKLOG = new Script(`${RESTATE_LUA}${AGENT_DEAD}
local st = redis.call('HGET', KEYS[4], 'state')
if not st then return -1 end
if st == 'completed' or st == 'failed' or st == 'cancelled' then return -2 end
local who = redis.call('HGET', KEYS[4], 'assigned_to')
if who and who ~= ARGV[3] then return -3 end
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[4], 'state', 'pending', 'updated_at', ARGV[4])
redis.call('HDEL', KEYS[4], 'assigned_to', 'started_at')
restate(5, ARGV[2], 'pending')
if not redis.call('LPOS', KEYS[3], ARGV[2]) then redis.call('RPUSH', KEYS[3], ARGV[2]) end
return 1
`);

/**
 * A task_assign to another agent: the message moves and the task is reassigned with it (a
 * running task goes back to assigned), unless it is finished, missing, or someone else's.
 * KEYS = agent hash, source list, destination list, task hash, the six task state sets.
 * ARGV = raw, new message, 'LPUSH' | 'RPUSH', dead agent id, new agent id, updated_at, task id.
 * Returns 1, 0 gone, -1 task missing, -2 task finished, -3 task reassigned, -4 agent alive.
 */
const ASSIGN_TO_AGENT = new Script(`${RESTATE_LUA}${AGENT_DEAD}
local st = redis.call('HGET', KEYS[4], 'state')
if not st then return -1 end
if st == 'completed' or st == 'failed' or st == 'cancelled' then return -2 end
local who = redis.call('HGET', KEYS[4], 'assigned_to')
if who and who ~= ARGV[4] then return -3 end
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[4], 'state', 'assigned', 'assigned_to', ARGV[5], 'updated_at', ARGV[6])
redis.call('HDEL', KEYS[4], 'started_at')
restate(5, ARGV[7], 'assigned')
redis.call(ARGV[3], KEYS[3], ARGV[2])
return 1
`);

/**
 * A free-text task to the backlog as a new task. KEYS = agent hash, source list, backlog,
 * new task hash, tasks index, the six task state sets. ARGV = raw, task id, field, value...
 * Returns 1, 0, -4.
 */
const TEXT_TO_BACKLOG = new Script(`${RESTATE_LUA}${AGENT_DEAD}
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[4], unpack(ARGV, 3, #ARGV))
redis.call('SADD', KEYS[5], ARGV[2])
restate(6, ARGV[2], redis.call('HGET', KEYS[4], 'state'))
redis.call('RPUSH', KEYS[3], ARGV[2])
return 1
`);

/**
 * Acts on one orphan only if it is still an orphan of the same assignee. KEYS = task hash,
 * backlog, tasks index, destination inbox, assignee hash, the six task state sets. ARGV = assignee
 * id, action, task id, now, reason or new assignee, task_assign message. Returns 1 done, 0 no
 * longer an orphan.
 */
const ORPHAN_ACTION = new Script(`${RESTATE_LUA}
local st = redis.call('HGET', KEYS[1], 'state')
if st ~= 'pending' and st ~= 'assigned' and st ~= 'running' then return 0 end
if redis.call('HGET', KEYS[1], 'assigned_to') ~= ARGV[1] then return 0 end
local ast = redis.call('HGET', KEYS[5], 'state')
if ast and ast ~= 'stopped' and ast ~= 'error' and ast ~= 'cold' then return 0 end
local a = ARGV[2]
if a == 'to_backlog' then
  redis.call('HSET', KEYS[1], 'state', 'pending', 'updated_at', ARGV[4])
  redis.call('HDEL', KEYS[1], 'assigned_to', 'started_at')
  restate(6, ARGV[3], 'pending')
  if not redis.call('LPOS', KEYS[2], ARGV[3]) then redis.call('RPUSH', KEYS[2], ARGV[3]) end
elseif a == 'cancel' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'result', ARGV[5], 'completed_at', ARGV[4],
    'updated_at', ARGV[4])
  restate(6, ARGV[3], 'cancelled')
elseif a == 'delete' then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[3], ARGV[3])
  redis.call('LREM', KEYS[2], 0, ARGV[3])
  unstate(6, ARGV[3])
elseif a == 'to_agent' then
  redis.call('HSET', KEYS[1], 'state', 'assigned', 'assigned_to', ARGV[5], 'updated_at', ARGV[4])
  redis.call('HDEL', KEYS[1], 'started_at')
  restate(6, ARGV[3], 'assigned')
  redis.call('RPUSH', KEYS[4], ARGV[6])
else
  return redis.error_reply('unknown orphan action')
end
return 1
`);

/** An entry of a dead agent's list, as the listing saw it. */
export interface ListedEntry {
  agentId: string;
  source: MessageSource;
  /** The exact stored text. */
  raw: string;
}

export class ReclaimSteps {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  /** Every list of a dead agent, whole, in one round trip. */
  async lists(agentId: string): Promise<Record<MessageSource, string[]>> {
    const p = new TypedPipeline(this.redis.pipeline());
    const replies = MESSAGE_SOURCES.map((s) => p.lrange(this.#source(agentId, s), 0, -1));
    await p.exec();
    const out = {} as Record<MessageSource, string[]>;
    MESSAGE_SOURCES.forEach((s, i) => out[s] = replies[i].value);
    return out;
  }

  /** An unreadable entry to the dead letters as `letter`. 1, 0 gone, -4 agent alive. */
  async toDeadLetters(e: ListedEntry, letter: string): Promise<number> {
    return await this.#move(e, this.keys.deadLetters, letter, "LPUSH");
  }

  /**
   * An entry re-addressed to `to` (as `moved`), into its urgent list or its inbox, at the front
   * or the back. 1, 0 gone, -4 agent alive.
   */
  async toAgent(
    e: ListedEntry,
    to: string,
    moved: string,
    opts: { urgent: boolean; front: boolean },
  ): Promise<number> {
    const dst = opts.urgent ? this.keys.urgent(to) : this.keys.inbox(to);
    return await this.#move(e, dst, moved, opts.front ? "LPUSH" : "RPUSH");
  }

  /** A task_assign to the backlog, its task requeued. 1, 0, -1, -2, -3, -4 (ASSIGN_TO_BACKLOG). */
  async assignmentToBacklog(e: ListedEntry, taskId: string, updatedAt: string): Promise<number> {
    return await this.#eval(
      ASSIGN_TO_BACKLOG,
      [
        this.keys.agent(e.agentId),
        this.#source(e.agentId, e.source),
        this.keys.backlog,
        this.keys.task(taskId),
        ...this.keys.taskStates,
      ],
      [e.raw, taskId, e.agentId, updatedAt],
    );
  }

  /** A task_assign moved to `to`, its task reassigned. 1, 0, -1, -2, -3, -4 (ASSIGN_TO_AGENT). */
  async assignmentToAgent(
    e: ListedEntry,
    taskId: string,
    to: string,
    moved: string,
    opts: { urgent: boolean; front: boolean; updatedAt: string },
  ): Promise<number> {
    const dst = opts.urgent ? this.keys.urgent(to) : this.keys.inbox(to);
    return await this.#eval(
      ASSIGN_TO_AGENT,
      [
        this.keys.agent(e.agentId),
        this.#source(e.agentId, e.source),
        dst,
        this.keys.task(taskId),
        ...this.keys.taskStates,
      ],
      [e.raw, moved, opts.front ? "LPUSH" : "RPUSH", e.agentId, to, opts.updatedAt, taskId],
    );
  }

  /** A free-text task to the backlog as the new task `taskId` with hash `fields`. 1, 0, -4. */
  async textToBacklog(e: ListedEntry, taskId: string, fields: readonly string[]): Promise<number> {
    return await this.#eval(
      TEXT_TO_BACKLOG,
      [
        this.keys.agent(e.agentId),
        this.#source(e.agentId, e.source),
        this.keys.backlog,
        this.keys.task(taskId),
        this.keys.tasksIndex,
        ...this.keys.taskStates,
      ],
      [e.raw, taskId, ...fields],
    );
  }

  /**
   * Acts on an orphan task while it is still an orphan of `assignee`: `to_backlog`, `cancel`
   * (with `reasonOrAgent` as its result), `delete`, or `to_agent` (`reasonOrAgent` the new
   * assignee, `message` its task_assign). True when done.
   */
  async orphan(
    taskId: string,
    assignee: string,
    action: "to_backlog" | "cancel" | "delete" | "to_agent",
    opts: { now: string; reasonOrAgent: string; inboxOf: string; message: string },
  ): Promise<boolean> {
    const r = await this.#eval(ORPHAN_ACTION, [
      this.keys.task(taskId),
      this.keys.backlog,
      this.keys.tasksIndex,
      this.keys.inbox(opts.inboxOf),
      this.keys.agent(assignee),
      ...this.keys.taskStates,
    ], [assignee, action, taskId, opts.now, opts.reasonOrAgent, opts.message]);
    return r === 1;
  }

  #source(agentId: string, source: MessageSource): string {
    return source === "inflight_urgent"
      ? this.keys.inflightUrgent(agentId)
      : this.keys[source](agentId);
  }

  #move(e: ListedEntry, dst: string, value: string, side: "LPUSH" | "RPUSH"): Promise<number> {
    return this.#eval(
      MOVE_ENTRY,
      [this.keys.agent(e.agentId), this.#source(e.agentId, e.source), dst],
      [e.raw, value, side],
    );
  }

  async #eval(script: Script, keys: string[], args: string[]): Promise<number> {
    return Number(await this.redis.evalScript(script, keys, args));
  }
}
