/**
 * What `tt status` reads for any number of agents, in one request: every agent record, its
 * mailbox lengths, lease, a sample of the inbox and (deep) the recent activity, plus the
 * backlog and dead-letter lengths.
 *
 * One Lua script reads it all and answers with a single JSON text: a town of 1,000 agents is
 * then one reply that JSON.parse reads natively, instead of thousands of small replies that
 * a short-lived CLI would parse in not-yet-optimized JavaScript (that parse, not Redis, was
 * most of the time of `tt status`). The script only reads, and only keys of this town.
 */
import type { Agent } from "../model/agent.ts";
import type { RedisClient } from "../redis/client.ts";
import { Script } from "../redis/script.ts";
import { agentsFromRecords } from "./agents.ts";
import { idKeyParts, type TownKeys } from "./keys.ts";

/** An agent with what status shows of its mailbox and loop. */
export interface AgentNumbers {
  agent: Agent;
  inbox: number;
  urgent: number;
  /** In flight, from the inbox and from the urgent list. */
  inflight: number;
  leaseHeld: boolean;
  /** The first entries of the inbox, as stored (not decoded). */
  inboxSample: string[];
  /** The newest activity lines, when asked for. */
  activity?: string[];
}

export interface TownOverview {
  /** Every agent, oldest first; index entries whose record is gone are dropped. */
  agents: AgentNumbers[];
  backlog: number;
  deadLetters: number;
}

/**
 * KEYS = agents index, backlog, dead letters. ARGV[1] = inbox entries to sample, ARGV[2] =
 * activity lines (0: none), then the text before and after the id of each per-agent key, in
 * PER_AGENT order. Returns JSON: { agents = [{ id, rec, n = {inbox, urgent, in flight, lease},
 * s = sample (only when the inbox is not empty), a = activity }], backlog, dead }. An empty
 * Lua table encodes as `{}`, so the reader takes any non-array as empty.
 */
const READ_OVERVIEW = new Script(`
local sample, activity = tonumber(ARGV[1]), tonumber(ARGV[2])
local function key(k, id) return ARGV[1 + 2 * k] .. id .. ARGV[2 + 2 * k] end
local NOTHING = { 0, 0, 0, 0 }
local agents = {}
for i, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local flat = redis.call('HGETALL', key(1, id))
  local rec = {}
  for j = 1, #flat, 2 do rec[flat[j]] = flat[j + 1] end
  local a = { id = id, rec = rec, n = NOTHING }
  local inbox, urgent, inflight, inflight_urgent, lease =
    key(2, id), key(3, id), key(4, id), key(5, id), key(6, id)
  -- Most agents of a big town have nothing waiting: one EXISTS answers for all five keys.
  if redis.call('EXISTS', inbox, urgent, inflight, inflight_urgent, lease) > 0 then
    local waiting = redis.call('LLEN', inbox)
    a.n = {
      waiting,
      redis.call('LLEN', urgent),
      redis.call('LLEN', inflight) + redis.call('LLEN', inflight_urgent),
      redis.call('EXISTS', lease),
    }
    if waiting > 0 and sample > 0 then a.s = redis.call('LRANGE', inbox, 0, sample - 1) end
  end
  if activity > 0 then a.a = redis.call('LRANGE', key(7, id), 0, activity - 1) end
  agents[i] = a
end
return cjson.encode({
  agents = agents,
  backlog = redis.call('LLEN', KEYS[2]),
  dead = redis.call('LLEN', KEYS[3]),
})
`);

interface RawAgent {
  id: string;
  rec: Record<string, string>;
  n: [number, number, number, number];
  s?: string[];
  a?: string[];
}

export class Overview {
  readonly #perAgent: string[];

  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {
    const k = keys;
    this.#perAgent = [k.agent, k.inbox, k.urgent, k.inflight, k.inflightUrgent, k.lease, k.activity]
      .flatMap((key) => idKeyParts(key));
  }

  async read(opts: { sample: number; activity?: number }): Promise<TownOverview> {
    const k = this.keys;
    const reply = await this.redis.evalScript(
      READ_OVERVIEW,
      [k.agentsIndex, k.backlog, k.deadLetters],
      [opts.sample, opts.activity ?? 0, ...this.#perAgent],
    );
    const raw = JSON.parse(String(reply)) as { agents: unknown; backlog: number; dead: number };
    const list = asArray<RawAgent>(raw.agents);
    const { agents, rows, stale } = agentsFromRecords(
      list.map((a) => a.id),
      list.map((a) => a.rec),
    );
    if (stale.length) await this.redis.srem(k.agentsIndex, ...stale);
    const numbers = agents.map((agent, i): AgentNumbers => {
      const a = list[rows[i]];
      const [inbox, urgent, inflight, lease] = a.n;
      const numbers: AgentNumbers = {
        agent,
        inbox,
        urgent,
        inflight,
        leaseHeld: lease > 0,
        inboxSample: asArray<string>(a.s),
      };
      if (opts.activity) numbers.activity = asArray<string>(a.a);
      return numbers;
    });
    return { agents: numbers, backlog: raw.backlog, deadLetters: raw.dead };
  }
}

function asArray<T>(v: unknown): T[] {
  return Array.isArray(v) ? v : [];
}
