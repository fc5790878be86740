/** Agent records: create (with the spawn limit), read, list, partial update, delete, resolve. */
import { AgentNotFoundError, TtError } from "../errors.ts";
import type { RedisClient } from "../redis/client.ts";
import {
  type Agent,
  agentFromHash,
  type AgentState,
  agentToHash,
  displayLabel,
  displayName,
} from "../model/agent.ts";
import { isSupervisorAlias, parseId, shortId, SUPERVISOR_ID } from "../model/ids.ts";
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

  /** Registers a new agent; refuses when `maxAgents` (0 = unlimited) are already active. */
  async create(agent: Agent, maxAgents: number): Promise<void> {
    const args: (string | number)[] = [maxAgents, this.keys.agent(""), agent.id, agent.name];
    for (const [k, v] of Object.entries(agentToHash(agent).set)) args.push(k, v);
    const r = await this.redis.evalScript(
      CREATE_AGENT,
      [this.keys.agentsIndex, this.keys.agent(agent.id)],
      args,
    );
    if (r === "name-taken") {
      throw new TtError(
        `an agent named '${agent.name}' is already running; pick another name, or stop it ` +
          `first ('tt kill ${agent.name}')`,
      );
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
    const agents: Agent[] = [];
    const stale: string[] = [];
    records.forEach((rec, i) => {
      try {
        const agent = agentFromHash(rec);
        if (agent) agents.push(agent);
        else stale.push(ids[i]);
      } catch {
        stale.push(ids[i]); // a record without a usable id cannot be addressed anyway
      }
    });
    if (stale.length) await this.redis.srem(this.keys.agentsIndex, ...stale);
    return agents.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
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
   * Resolves a reference: `conductor`/`supervisor`, a UUID, or a name, nickname, display
   * label or 4-character short id (case-insensitive). Ambiguity is an error naming the
   * candidates. Newest agents win over stopped ones of the same name.
   */
  async resolve(ref: string): Promise<AgentRef> {
    const trimmed = ref.trim();
    if (isSupervisorAlias(trimmed)) return { kind: "conductor", id: SUPERVISOR_ID };
    if (!trimmed) throw new AgentNotFoundError(ref, "agent name is empty");
    const id = parseId(trimmed);
    if (id) {
      if (id === SUPERVISOR_ID) return { kind: "conductor", id: SUPERVISOR_ID };
      const agent = await this.get(id);
      if (!agent) throw new AgentNotFoundError(ref);
      return { kind: "agent", id, agent };
    }
    const agent = pickOne(ref, matching(await this.list(), trimmed.toLowerCase()));
    return { kind: "agent", id: agent.id, agent };
  }

  /** Resolves to an agent record; the conductor mailbox is refused with `why`. */
  async resolveAgent(ref: string, why = "it is a mailbox, not an agent"): Promise<Agent> {
    const r = await this.resolve(ref);
    if (r.kind === "conductor") throw new AgentNotFoundError(ref, `'${ref}': ${why}`);
    return r.agent;
  }
}

function matching(agents: Agent[], ref: string): Agent[] {
  return agents.filter((a) =>
    a.name.toLowerCase() === ref ||
    displayName(a).toLowerCase() === ref ||
    displayLabel(a).toLowerCase() === ref ||
    shortId(a.id) === ref
  );
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
