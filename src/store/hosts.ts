/**
 * What a loop host (one process running many agents' loops, see agent/host.ts) reads and
 * writes: its request queue (loops to start, "look again" nudges from kill/interrupt/resume),
 * the few reads of its periodic check for all its loops at once, and its batched leases.
 */
import type { RedisClient } from "../redis/client.ts";
import type { SendOptions } from "../redis/connection.ts";
import type { TownKeys } from "./keys.ts";

/** A request nobody took goes away on its own (its host died before it could look). */
const QUEUE_TTL_SECS = 600;
/** Most requests one drain takes. */
const DRAIN_MAX = 100;

/** What the host's periodic check found for its loops. */
export interface HostCheck {
  /** Stop flags of any loop plus urgent lists of idle loops that exist (0: nothing to do). */
  flagged: number;
  /** Changes whenever the backlog does (its length and last id). */
  backlog: string;
  /** The recorded state of each paused loop's agent (null: no record). */
  pausedStates: (string | null)[];
}

/** Per agent: which of the flags the check counted is set, and the recorded state. */
export interface AgentFlags {
  stop: boolean;
  urgent: boolean;
  state: string | null;
}

export class HostStore {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  /** Queues `item` for the host `pid` on machine `host`. */
  async request(host: string, pid: number, item: string): Promise<void> {
    const key = this.keys.hostQueue(host, pid);
    await this.redis.pipeline().add("RPUSH", key, item).add("EXPIRE", key, QUEUE_TTL_SECS)
      .execOrThrow();
  }

  /** Takes `item` back; 0 when its host took it first. */
  async withdraw(host: string, pid: number, item: string): Promise<number> {
    return Number(await this.redis.command(["LREM", this.keys.hostQueue(host, pid), 1, item]));
  }

  /** Blocks up to `timeoutSecs` for the next request of this host; null on timeout. */
  async next(
    blocking: RedisClient,
    host: string,
    pid: number,
    timeoutSecs: number,
    options?: SendOptions,
  ): Promise<string | null> {
    const r = await blocking.blpop([this.keys.hostQueue(host, pid)], timeoutSecs, options);
    return r ? r[1] : null;
  }

  /** Every request waiting for this host (up to a hundred), removed from its queue. */
  async drain(host: string, pid: number): Promise<string[]> {
    const r = await this.redis.command(["LPOP", this.keys.hostQueue(host, pid), DRAIN_MAX]);
    return Array.isArray(r) ? r.map(String) : [];
  }

  /** The periodic check: a handful of commands whatever the number of loops. */
  async check(all: string[], idle: string[], paused: string[]): Promise<HostCheck> {
    const flagKeys = [...all.map((id) => this.keys.stop(id)), ...idle.map(this.keys.urgent)];
    const p = this.redis.pipeline();
    if (flagKeys.length) p.add("EXISTS", ...flagKeys);
    // Length and last id: a task added or claimed changes one of them.
    p.add("LLEN", this.keys.backlog).add("LINDEX", this.keys.backlog, -1);
    for (const id of paused) p.add("HGET", this.keys.agent(id), "state");
    const r = await p.execOrThrow();
    const at = flagKeys.length ? 1 : 0;
    return {
      flagged: flagKeys.length ? Number(r[0]) : 0,
      backlog: `${r[at]}:${r[at + 1]}`,
      pausedStates: r.slice(at + 2).map((v) => (v === null ? null : String(v))),
    };
  }

  /** The flags the check counts, one agent at a time (read only once the check found some). */
  async flags(ids: string[]): Promise<AgentFlags[]> {
    const p = this.redis.pipeline();
    for (const id of ids) {
      p.add("EXISTS", this.keys.stop(id)).add("EXISTS", this.keys.urgent(id))
        .add("HGET", this.keys.agent(id), "state");
    }
    const r = await p.execOrThrow();
    return ids.map((_, i) => ({
      stop: Number(r[3 * i]) === 1,
      urgent: Number(r[3 * i + 1]) === 1,
      state: r[3 * i + 2] === null ? null : String(r[3 * i + 2]),
    }));
  }

  /**
   * Renews the leases of many loops in one round trip. XX: a lease its loop released just now
   * (it ended) is not brought back; one that lapsed comes back with the loop's next pass.
   */
  async renewLeases(ids: string[], holder: string, leaseSecs: number): Promise<void> {
    if (ids.length === 0) return;
    const p = this.redis.pipeline();
    for (const id of ids) {
      p.add("SET", this.keys.lease(id), holder, "EX", Math.max(1, leaseSecs), "XX");
    }
    await p.execOrThrow();
  }
}
