/**
 * The per-agent numbers of `tt status` for any number of agents in one pipelined round trip:
 * mailbox lengths, lease, a sample of the inbox and (deep) the recent activity, plus the
 * backlog and dead-letter lengths.
 */
import type { RedisClient } from "../redis/client.ts";
import { type Reply, TypedPipeline } from "../redis/typed_pipeline.ts";
import type { TownKeys } from "./keys.ts";

export interface AgentNumbers {
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

export interface TownNumbers {
  agents: Map<string, AgentNumbers>;
  backlog: number;
  deadLetters: number;
}

export class Overview {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  async read(
    agentIds: readonly string[],
    opts: { sample: number; activity?: number },
  ): Promise<TownNumbers> {
    const k = this.keys;
    const p = new TypedPipeline(this.redis.pipeline());
    const per = agentIds.map((id) => ({
      id,
      inbox: p.llen(k.inbox(id)),
      urgent: p.llen(k.urgent(id)),
      inflight: p.llen(k.inflight(id)),
      inflightUrgent: p.llen(k.inflightUrgent(id)),
      lease: p.exists(k.lease(id)),
      sample: p.lrange(k.inbox(id), 0, opts.sample - 1),
      activity: opts.activity ? p.lrange(k.activity(id), 0, opts.activity - 1) : undefined,
    }));
    const backlog = p.llen(k.backlog);
    const deadLetters = p.llen(k.deadLetters);
    await p.exec();
    const agents = new Map<string, AgentNumbers>();
    for (const r of per) {
      const activity: Reply<string[]> | undefined = r.activity;
      agents.set(r.id, {
        inbox: r.inbox.value,
        urgent: r.urgent.value,
        inflight: r.inflight.value + r.inflightUrgent.value,
        leaseHeld: r.lease.value,
        inboxSample: r.sample.value,
        ...(activity ? { activity: activity.value } : {}),
      });
    }
    return { agents, backlog: backlog.value, deadLetters: deadLetters.value };
  }
}
