/**
 * Reading the event streams: the newest events of the town, of one agent or of one mission
 * (`tt events`, `tt history`), and following a stream live with XREAD BLOCK.
 */
import { ConfigError } from "../errors.ts";
import { displayLabel } from "../model/agent.ts";
import { decodeEvent, encodeEvent, type TownEvent } from "../model/event.ts";
import { parseId, shortId, SUPERVISOR_ID } from "../model/ids.ts";
import type { StreamEntry } from "../redis/commands.ts";
import type { Store } from "../store/store.ts";

export interface EventEntry {
  /** Stream entry id, e.g. `1714000000000-0`. */
  streamId: string;
  event: TownEvent;
}

export interface EventSource {
  key: string;
  /** What the stream covers: `town`, `agent:{id}` or `mission:{id}`. */
  scope: string;
}

function decodeEntries(raw: readonly StreamEntry[]): EventEntry[] {
  const out: EventEntry[] = [];
  for (const e of raw) {
    // Entries without readable `data` (foreign writers, future types) are skipped, as tinytown does.
    const event = e.fields.data === undefined ? undefined : decodeEvent(e.fields.data);
    if (event) out.push({ streamId: e.id, event });
  }
  return out;
}

/**
 * Which stream `tt events` reads: a mission's (full UUID), an agent's (any reference), or the
 * town's.
 */
export async function eventSource(
  store: Store,
  opts: { agent?: string; mission?: string } = {},
): Promise<EventSource> {
  if (opts.mission !== undefined) {
    const id = parseId(opts.mission.trim());
    if (!id) throw new ConfigError(`invalid mission ID '${opts.mission}' (expected a UUID)`);
    return { key: store.keys.missionEvents(id), scope: `mission:${id}` };
  }
  if (opts.agent !== undefined) {
    const { id } = await store.agents.resolve(opts.agent);
    return { key: store.keys.agentEvents(id), scope: `agent:${id}` };
  }
  return { key: store.keys.events, scope: "town" };
}

/**
 * The newest `count` events of a stream, oldest first, and the cursor to follow from: the id
 * of the newest entry (read or not), so following never repeats or skips one.
 */
export async function recentEvents(
  store: Store,
  key: string,
  count: number,
): Promise<{ entries: EventEntry[]; cursor: string }> {
  const raw = await store.redis.xrevrange(key, "+", "-", Math.max(count, 1));
  const cursor = raw[0]?.id ?? "0-0";
  return { entries: count > 0 ? decodeEntries(raw.reverse()) : [], cursor };
}

/**
 * Calls `onEntry` for every event added to `key` after `cursor`, until `signal` aborts. Uses
 * its own connection, because XREAD BLOCK holds the connection it runs on.
 */
export async function followEvents(
  store: Store,
  key: string,
  cursor: string,
  signal: AbortSignal,
  onEntry: (entry: EventEntry) => void | Promise<void>,
): Promise<void> {
  if (signal.aborted) return;
  const client = await store.redis.duplicate();
  try {
    while (!signal.aborted) {
      let raw: StreamEntry[];
      try {
        raw = await client.xread(key, cursor, { count: 100, blockMs: 5000 }, { signal });
      } catch (err) {
        if (signal.aborted) return; // aborting closes the connection mid-command
        throw err;
      }
      if (raw.length > 0) cursor = raw[raw.length - 1].id;
      for (const entry of decodeEntries(raw)) await onEntry(entry);
    }
  } finally {
    await client.close();
  }
}

export interface HistoryEntry extends EventEntry {
  /** Agent label, short id of a gone agent, `conductor`, or `system` (no agent). */
  who: string;
}

export interface History {
  /** Events read, before the agent filter. */
  total: number;
  entries: HistoryEntry[];
}

/**
 * The town's newest `limit` events, oldest first. `agent` keeps the events of every agent
 * with exactly that name (respawns included), or else of the agent the reference resolves to.
 */
export async function readHistory(
  store: Store,
  opts: { limit: number; agent?: string },
): Promise<History> {
  const [{ entries }, agents] = await Promise.all([
    recentEvents(store, store.keys.events, opts.limit),
    store.agents.list(),
  ]);
  const byId = new Map(agents.map((a) => [a.id, a]));
  let keep: Set<string> | undefined;
  if (opts.agent !== undefined) {
    const named = agents.filter((a) => a.name === opts.agent).map((a) => a.id);
    keep = new Set(named.length ? named : [(await store.agents.resolve(opts.agent)).id]);
  }
  const who = (id: string | undefined) => {
    if (id === undefined) return "system";
    if (id === SUPERVISOR_ID) return "conductor";
    const agent = byId.get(id);
    return agent ? displayLabel(agent) : shortId(id);
  };
  return {
    total: entries.length,
    entries: entries
      .filter((e) => keep === undefined || (e.event.agentId && keep.has(e.event.agentId)))
      .map((e) => ({ ...e, who: who(e.event.agentId) })),
  };
}

/** `HH:MM:SS` in UTC. */
export function clockTime(d: Date): string {
  return d.toISOString().slice(11, 19);
}

/** Where an event belongs, as `tt events` shows it. */
export function eventScope(e: TownEvent): string {
  if (e.missionId) return `mission:${e.missionId}`;
  if (e.agentId) return `agent:${e.agentId}`;
  return "town";
}

/** One line of `tt events`: `HH:MM:SS [event_type] scope — message`. */
export function formatEventLine(e: TownEvent): string {
  return `${clockTime(e.timestamp)} [${e.eventType}] ${eventScope(e)} — ${oneLine(e.message)}`;
}

/** The wire JSON of the event with its stream id first (one JSON Lines record). */
export function eventJson(entry: EventEntry): Record<string, unknown> {
  return { stream_id: entry.streamId, ...JSON.parse(encodeEvent(entry.event)) };
}

/** Newlines would break the one-line-per-event form. */
export function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ");
}

/** Cut to `max` characters, then `...` (history's rule; the first `max` are kept). */
export function cutTo(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length > max ? `${chars.slice(0, max).join("")}...` : s;
}
