/** Agent records: create (with the spawn limit), read, list, partial update, delete, resolve. */
import { AgentNotFoundError, TtError } from "../errors.ts";
import type { RedisClient } from "../redis/client.ts";
import {
  type Agent,
  agentFromHash,
  type AgentState,
  agentToHash,
  displayLabel,
} from "../model/agent.ts";
import { isSupervisorAlias, parseId, shortId, SUPERVISOR_ID } from "../model/ids.ts";
import { foldCase } from "../model/names.ts";
import { hashTime } from "../model/time.ts";
import type { TownKeys } from "./keys.ts";
import { guardedWrite, loadHashes, pick, type WriteOutcome } from "./records.ts";
import { CREATE_AGENT, RELEASE_TASK } from "./scripts.ts";

/** What an agent reference names: an agent record, or the conductor's well-known mailbox. */
export type AgentRef =
  | { kind: "agent"; id: string; agent: Agent }
  | { kind: "conductor"; id: typeof SUPERVISOR_ID };

export class AgentStore {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  /**
   * Registers a new agent; refuses when `maxAgents` (0 = unlimited) are already active, and
   * (AgentNameConflictError) when its name or nickname could be taken for another agent's.
   */
  async create(agent: Agent, maxAgents: number): Promise<void> {
    const args: (string | number)[] = [
      maxAgents,
      this.keys.agent(""),
      agent.id,
      agent.name,
      agent.nickname ?? "",
    ];
    for (const [k, v] of Object.entries(agentToHash(agent).set)) args.push(k, v);
    const r = await this.redis.evalScript(
      CREATE_AGENT,
      [this.keys.agentsIndex, this.keys.agent(agent.id)],
      args,
    );
    if (Array.isArray(r)) {
      const [why, other, state, nickname] = r.map(String);
      throw new AgentNameConflictError(agent, why as NameConflict, {
        name: other,
        state,
        nickname,
      });
    }
    if ((r as number) < 0) {
      throw new TtError(
        `town has ${-(r as number)} active agent(s), the max_agents limit is ${maxAgents}: ` +
          `stop one ('tt kill <agent>', then 'tt prune') or raise max_agents in tinytown.toml`,
      );
    }
  }

  /**
   * Writes the whole record as tinytown's `set_agent_state` does (absent optional fields are
   * deleted, the rest set), creating it when missing, and indexes it. No spawn-limit check.
   */
  async save(agent: Agent): Promise<void> {
    const { set, del } = agentToHash(agent);
    const tx = this.redis.multi();
    if (del.length) tx.add("HDEL", this.keys.agent(agent.id), ...del);
    await tx.add("HSET", this.keys.agent(agent.id), ...Object.entries(set).flat())
      .add("SADD", this.keys.agentsIndex, agent.id)
      .exec();
  }

  /** Leaves a stop request for the agent's loop (tinytown's flag: an hour at most). */
  async requestStop(id: string): Promise<void> {
    await this.redis.set(this.keys.stop(id), "1", { ex: 3600 });
  }

  async stopRequested(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.stop(id))) === 1;
  }

  async clearStop(id: string): Promise<void> {
    await this.redis.del(this.keys.stop(id));
  }

  async get(id: string): Promise<Agent | undefined> {
    return agentFromHash(await this.redis.hgetall(this.keys.agent(id)));
  }

  /** Every agent of the town, oldest first. Index entries whose record is gone are dropped. */
  async list(): Promise<Agent[]> {
    const ids = await this.redis.smembers(this.keys.agentsIndex);
    const records = await loadHashes(this.redis, ids.map((id) => this.keys.agent(id)));
    const { agents, stale } = agentsFromRecords(ids, records);
    if (stale.length) await this.redis.srem(this.keys.agentsIndex, ...stale);
    return agents;
  }

  /** Writes the given properties of `agent` (only if the record still exists). */
  update(agent: Agent, props: readonly (keyof Agent)[]): Promise<WriteOutcome> {
    return guardedWrite(this.redis, this.keys.agent(agent.id), pick(agentToHash(agent), props));
  }

  /** Like update, but only while the stored state is one of `allowed`. */
  updateIfState(
    agent: Agent,
    props: readonly (keyof Agent)[],
    allowed: readonly AgentState[],
  ): Promise<WriteOutcome> {
    return guardedWrite(
      this.redis,
      this.keys.agent(agent.id),
      pick(agentToHash(agent), props),
      allowed,
    );
  }

  async incrementTasksCompleted(id: string): Promise<number> {
    return await this.redis.hincrby(this.keys.agent(id), "tasks_completed", 1);
  }

  /**
   * A task of this agent ended: records a heartbeat and clears `current_task` only if it
   * still names `taskId` (atomically, so a task the loop picked up meanwhile is kept).
   */
  async releaseTask(
    agentId: string,
    taskId: string,
    now: Date = new Date(),
  ): Promise<"cleared" | "kept" | "missing"> {
    const r = await this.redis.evalScript(RELEASE_TASK, [this.keys.agent(agentId)], [
      taskId,
      hashTime(now),
    ]);
    return r === 1 ? "cleared" : r === 0 ? "missing" : "kept";
  }

  /** Deletes the record and every per-agent key (inbox, urgent, activity, stop, ...). */
  async delete(id: string): Promise<void> {
    const k = this.keys;
    await this.redis.multi()
      .add(
        "DEL",
        k.agent(id),
        k.inbox(id),
        k.urgent(id),
        k.activity(id),
        k.stop(id),
        k.lease(id),
      )
      .add("SREM", k.agentsIndex, id)
      .exec();
  }

  /**
   * Resolves a reference: `conductor`/`supervisor`, else the first of these that matches
   * (the order is fixed, so a name never loses to a nickname): the exact name; the name
   * ignoring case; the id (any UUID form) or a prefix of it of 4 or more characters; the
   * nickname ignoring case; the `Nickname [role]` label ignoring case. Several matches at
   * one level: a live agent beats stopped ones (a name taken over after a stop), else the
   * reference is ambiguous, naming the candidates.
   */
  async resolve(ref: string): Promise<AgentRef> {
    const trimmed = ref.trim();
    if (isSupervisorAlias(trimmed)) return { kind: "conductor", id: SUPERVISOR_ID };
    if (!trimmed) throw new AgentNotFoundError(ref, "agent name is empty");
    const id = parseId(trimmed);
    if (id === SUPERVISOR_ID) return { kind: "conductor", id: SUPERVISOR_ID };
    const agents = await this.list();
    const folded = foldCase(trimmed);
    const prefix = /^[0-9a-f-]{4,36}$/.test(folded) ? folded : undefined;
    const levels: ((a: Agent) => boolean)[] = [
      (a) => a.name === trimmed,
      (a) => foldCase(a.name) === folded,
      (a) => a.id === id || (prefix !== undefined && a.id.startsWith(prefix)),
      (a) => a.nickname !== undefined && foldCase(a.nickname) === folded,
      (a) => foldCase(displayLabel(a)) === folded,
    ];
    for (const matches of levels) {
      const found = agents.filter(matches);
      if (found.length) {
        const agent = pickOne(ref, found);
        return { kind: "agent", id: agent.id, agent };
      }
    }
    // A full id also reaches a record missing from the index (written by another tool).
    const agent = id === undefined ? undefined : await this.get(id);
    if (!agent) throw new AgentNotFoundError(ref);
    return { kind: "agent", id: agent.id, agent };
  }

  /** Resolves to an agent record; the conductor mailbox is refused with `why`. */
  async resolveAgent(ref: string, why = "it is a mailbox, not an agent"): Promise<Agent> {
    const r = await this.resolve(ref);
    if (r.kind === "conductor") throw new AgentNotFoundError(ref, `'${ref}': ${why}`);
    return r.agent;
  }
}

/**
 * The agents of the records read for the index entries `ids`, oldest first, with the input
 * position of each (`rows`), and the entries to drop from the index: a record that is gone, or
 * one without a usable id (it cannot be addressed anyway).
 */
export function agentsFromRecords(
  ids: readonly string[],
  records: readonly Record<string, string>[],
): { agents: Agent[]; rows: number[]; stale: string[] } {
  const found: { agent: Agent; row: number; created: number }[] = [];
  const stale: string[] = [];
  records.forEach((rec, row) => {
    try {
      const agent = agentFromHash(rec);
      if (agent) found.push({ agent, row, created: agent.createdAt.getTime() });
      else stale.push(ids[row]);
    } catch {
      stale.push(ids[row]);
    }
  });
  const sorted = byCreation(found);
  return { agents: sorted.map((f) => f.agent), rows: sorted.map((f) => f.row), stale };
}

/**
 * Oldest first, equal times in input order (as a stable sort), with the times sorted natively:
 * a comparator called some 10,000 times for 1,000 agents, in not-yet-optimized code, cost
 * `tt status` more than all the rest of its sorting.
 */
function byCreation<T extends { created: number }>(items: readonly T[]): T[] {
  const times = new Float64Array(items.length);
  const sameTime = new Map<number, T[]>();
  items.forEach((item, i) => {
    times[i] = item.created;
    const group = sameTime.get(item.created);
    if (group) group.push(item);
    else sameTime.set(item.created, [item]);
  });
  times.sort();
  const out: T[] = [];
  for (let i = 0; i < times.length; i++) {
    if (i > 0 && times[i] === times[i - 1]) continue;
    for (const item of sameTime.get(times[i])!) out.push(item);
  }
  return out;
}

export type NameConflict = "name-taken" | "name-case" | "name-is-nickname" | "nickname-is-name";

/** A new agent's name or nickname is (ignoring case) one already in the town. */
export class AgentNameConflictError extends TtError {
  constructor(
    readonly agent: Agent,
    readonly why: NameConflict,
    readonly other: { name: string; state: string; nickname: string },
  ) {
    super(conflictMessage(agent, why, other));
  }
}

function conflictMessage(
  agent: Agent,
  why: NameConflict,
  other: { name: string; state: string; nickname: string },
): string {
  if (why === "name-taken") {
    return `an agent named '${agent.name}' is already running; pick another name, or stop it ` +
      `first ('tt kill ${agent.name}')`;
  }
  const prunable = other.state === "stopped" || other.state === "error";
  const hint = prunable ? ` (or remove the ${other.state} agent with 'tt prune')` : "";
  if (why === "name-case") {
    return `agent name '${agent.name}' differs from agent '${other.name}' only in case, so ` +
      `references to them would be ambiguous; pick another name${hint}`;
  }
  if (why === "name-is-nickname") {
    return `agent name '${agent.name}' is the nickname of agent '${other.name}', so ` +
      `references to them would be ambiguous; pick another name${hint}`;
  }
  return `nickname '${agent.nickname}' is the name of agent '${other.name}', so references ` +
    `to them would be ambiguous; pick another nickname${hint}`;
}

/** One match wins; with several, a live agent beats terminal ones of the same name. */
function pickOne(ref: string, found: Agent[]): Agent {
  if (found.length === 1) return found[0];
  if (found.length === 0) throw new AgentNotFoundError(ref);
  const live = found.filter((a) => !["stopped", "error", "cold"].includes(a.state));
  if (live.length === 1) return live[0];
  const names = found.map((a) => `${displayLabel(a)} (${shortId(a.id)})`).join(", ");
  throw new TtError(`agent reference '${ref}' is ambiguous: ${names}; use the id`);
}
