/**
 * The town's event streams: `events` (capped ~1000) and one per agent (capped ~100), written
 * as tinytown does (`event_type` and `data` fields), so either tool can read them.
 */
import type { RedisClient } from "../redis/client.ts";
import type { SendOptions } from "../redis/connection.ts";
import { decodeEvent, encodeEvent, type TownEvent } from "../model/event.ts";
import type { Pipeline } from "../redis/pipeline.ts";
import type { TownKeys } from "./keys.ts";

/** An event as read from a stream, with its entry id. */
export interface StoredEvent {
  /** Stream entry id, e.g. `1714000000000-0`. */
  streamId: string;
  /** The event. */
  event: TownEvent;
}

export class EventLog {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  /** Adds the XADDs for `event` to a pipeline (so a state change and its event share a write). */
  addTo(p: Pipeline, event: TownEvent): Pipeline {
    const data = encodeEvent(event);
    const fields = ["event_type", event.eventType, "data", data];
    p.add("XADD", this.keys.events, "MAXLEN", "~", 1000, "*", ...fields);
    const agents = new Set(
      [event.agentId, event.parentAgentId, event.childAgentId].filter((x): x is string => !!x),
    );
    for (const id of agents) {
      p.add("XADD", this.keys.agentEvents(id), "MAXLEN", "~", 100, "*", ...fields);
    }
    if (event.missionId) {
      p.add("XADD", this.keys.missionEvents(event.missionId), "MAXLEN", "~", 500, "*", ...fields);
    }
    return p;
  }

  /** Appends events. A failure to log never fails the caller's own work. */
  async emit(...events: TownEvent[]): Promise<void> {
    if (events.length === 0) return;
    const p = this.redis.pipeline();
    for (const e of events) this.addTo(p, e);
    try {
      await p.exec();
    } catch {
      // The state change already happened; losing its log line is the lesser harm.
    }
  }

  /** The id of the newest entry of the stream (readable or not), or `0-0` when it is empty. */
  async lastId(agentId?: string): Promise<string> {
    const key = agentId ? this.keys.agentEvents(agentId) : this.keys.events;
    return (await this.redis.xrevrange(key, "+", "-", 1))[0]?.id ?? "0-0";
  }

  /** The newest `count` events, oldest first. */
  async recent(count: number, agentId?: string): Promise<StoredEvent[]> {
    const key = agentId ? this.keys.agentEvents(agentId) : this.keys.events;
    return toEvents(await this.redis.xrevrange(key, "+", "-", count)).reverse();
  }

  /**
   * Events after `afterId`, and the id of the last entry read, readable or not (so a reader
   * that goes on from it never reads a skipped entry again). With `blockMs`, waits for new
   * ones (use a dedicated connection).
   */
  async readAfter(
    afterId: string,
    opts: { count?: number; blockMs?: number; agentId?: string; client?: RedisClient } = {},
    options?: SendOptions,
  ): Promise<{ events: StoredEvent[]; cursor: string }> {
    const key = opts.agentId ? this.keys.agentEvents(opts.agentId) : this.keys.events;
    const client = opts.client ?? this.redis;
    const raw = await client.xread(
      key,
      afterId,
      { count: opts.count ?? 100, blockMs: opts.blockMs },
      options,
    );
    return { events: toEvents(raw), cursor: raw[raw.length - 1]?.id ?? afterId };
  }

  /** Events after `afterId`; with `blockMs`, waits for new ones (use a dedicated connection). */
  async after(
    afterId: string,
    opts: { count?: number; blockMs?: number; agentId?: string; client?: RedisClient } = {},
    options?: SendOptions,
  ): Promise<StoredEvent[]> {
    const key = opts.agentId ? this.keys.agentEvents(opts.agentId) : this.keys.events;
    const client = opts.client ?? this.redis;
    return toEvents(
      await client.xread(
        key,
        afterId,
        { count: opts.count ?? 100, blockMs: opts.blockMs },
        options,
      ),
    );
  }
}

function toEvents(entries: { id: string; fields: Record<string, string> }[]): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const e of entries) {
    const event = e.fields.data ? decodeEvent(e.fields.data) : undefined;
    if (event) out.push({ streamId: e.id, event });
  }
  return out;
}
