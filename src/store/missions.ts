/**
 * Mission records in Redis (spec extended §6.3): the MissionRun string, the work, watch and
 * control hashes, the capped log list (each line also a `mission_event` on the streams), the
 * active set and the dispatcher's lease. Whole-record writes, as the reference does.
 */
import type { RedisClient } from "../redis/client.ts";
import { Script } from "../redis/script.ts";
import { newEvent } from "../model/event.ts";
import {
  type ControlMessage,
  decodeControl,
  decodeMission,
  decodeWatch,
  decodeWorkItem,
  encodeControl,
  encodeMission,
  encodeWatch,
  encodeWorkItem,
  type MissionRun,
  type WatchItem,
  type WorkItem,
} from "../model/mission.ts";
import type { EventLog } from "./events.ts";
import type { TownKeys } from "./keys.ts";
import { type MissionKeys, missionKeys } from "./mission_keys.ts";

/** Deletes the lease only while it still holds this owner's token. KEYS[1] lock, ARGV[1] token. */
const RELEASE_LOCK = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** Extends the lease only while this owner holds it. KEYS[1] lock, ARGV token, ttl seconds. */
const REFRESH_LOCK = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/**
 * Removes every `query` message of the inbox whose question contains the marker, keeping the
 * rest in order, atomically (the reference rewrites the list, which races with senders).
 * KEYS[1] inbox, ARGV[1] marker. Returns the number removed.
 */
const RETIRE_QUERIES = new Script(`
local removed = 0
for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local ok, msg = pcall(cjson.decode, raw)
  if ok and type(msg) == 'table' and msg['type'] == 'query' and type(msg['question']) == 'string'
    and string.find(msg['question'], ARGV[1], 1, true) then
    removed = removed + redis.call('LREM', KEYS[1], 1, raw)
  end
end
return removed
`);

/** One mission with everything the scheduler reads, loaded in one round trip. */
export interface MissionSnapshot {
  mission: MissionRun;
  items: WorkItem[];
  watches: WatchItem[];
  /** Control notes, oldest first. */
  controls: ControlMessage[];
}

/** Changes written together by `MissionStore.write`. */
export interface MissionBatch {
  mission?: MissionRun;
  items?: WorkItem[];
  watches?: WatchItem[];
  controls?: ControlMessage[];
  logs?: { missionId: string; text: string }[];
  active?: { id: string; add: boolean };
}

/** `[YYYY-MM-DD HH:MM:SS] ` in UTC, the prefix of a mission log line. */
function logStamp(d: Date): string {
  return `[${d.toISOString().slice(0, 19).replace("T", " ")}] `;
}

function values<T>(hash: Record<string, string>, decode: (s: string) => T | undefined): T[] {
  const out: T[] = [];
  for (const raw of Object.values(hash)) {
    const v = decode(raw);
    if (v !== undefined) out.push(v);
  }
  return out;
}

function pairs(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(list)) {
    for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = String(list[i + 1]);
  } else if (list && typeof list === "object") Object.assign(out, list);
  return out;
}

function byCreation(notes: ControlMessage[]): ControlMessage[] {
  return notes.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
}

export class MissionStore {
  readonly keys: MissionKeys;
  constructor(
    private readonly redis: RedisClient,
    townKeys: TownKeys,
    private readonly events: EventLog,
  ) {
    this.keys = missionKeys(townKeys.prefix.slice(3, -1));
  }

  /** The mission, or undefined; a stored record that does not parse is an error. */
  async get(id: string): Promise<MissionRun | undefined> {
    const raw = await this.redis.get(this.keys.mission(id));
    return raw === null ? undefined : decodeMission(raw);
  }

  async save(m: MissionRun): Promise<void> {
    await this.redis.set(this.keys.mission(m.id), encodeMission(m));
  }

  async activeIds(): Promise<string[]> {
    return await this.redis.smembers(this.keys.active);
  }

  async setActive(id: string, active: boolean): Promise<void> {
    if (active) await this.redis.sadd(this.keys.active, id);
    else await this.redis.srem(this.keys.active, id);
  }

  /** Ids of every stored mission (key scan, sub-keys and the active set left out). */
  async allIds(): Promise<string[]> {
    const ids = new Set<string>();
    for (const key of await this.redis.scanAll(this.keys.pattern)) {
      const id = this.keys.idOf(key);
      if (id) ids.add(id);
    }
    return [...ids];
  }

  /** Missions by id in one round trip; missing and unparsable records are left out. */
  async getMany(ids: readonly string[]): Promise<MissionRun[]> {
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.add("GET", this.keys.mission(id));
    const out: MissionRun[] = [];
    for (const raw of await p.exec()) {
      if (typeof raw !== "string") continue;
      try {
        out.push(decodeMission(raw));
      } catch {
        // unparsable: skipped when listing, as the reference does
      }
    }
    return out;
  }

  /**
   * Missions with their work items and watches, all in one pipelined round trip (the
   * scheduler's read of a tick, whatever the number of missions).
   */
  async snapshots(ids: readonly string[]): Promise<MissionSnapshot[]> {
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) {
      p.add("GET", this.keys.mission(id)).add("HGETALL", this.keys.work(id))
        .add("HGETALL", this.keys.watch(id)).add("HGETALL", this.keys.control(id));
    }
    const r = await p.exec();
    const out: MissionSnapshot[] = [];
    ids.forEach((_, i) => {
      const raw = r[4 * i];
      if (typeof raw !== "string") return;
      let mission: MissionRun;
      try {
        mission = decodeMission(raw);
      } catch {
        return;
      }
      out.push({
        mission,
        items: values(pairs(r[4 * i + 1]), decodeWorkItem),
        watches: values(pairs(r[4 * i + 2]), decodeWatch),
        controls: byCreation(values(pairs(r[4 * i + 3]), decodeControl)),
      });
    });
    return out;
  }

  async workItems(id: string): Promise<WorkItem[]> {
    return values(await this.redis.hgetall(this.keys.work(id)), decodeWorkItem);
  }

  async workItem(missionId: string, itemId: string): Promise<WorkItem | undefined> {
    const raw = await this.redis.hget(this.keys.work(missionId), itemId);
    return raw === null ? undefined : decodeWorkItem(raw);
  }

  async saveWorkItems(...items: WorkItem[]): Promise<void> {
    if (items.length === 0) return;
    const p = this.redis.pipeline();
    for (const w of items) p.add("HSET", this.keys.work(w.mission_id), w.id, encodeWorkItem(w));
    await p.execOrThrow();
  }

  async watches(id: string): Promise<WatchItem[]> {
    return values(await this.redis.hgetall(this.keys.watch(id)), decodeWatch);
  }

  async saveWatches(...watches: WatchItem[]): Promise<void> {
    if (watches.length === 0) return;
    const p = this.redis.pipeline();
    for (const w of watches) p.add("HSET", this.keys.watch(w.mission_id), w.id, encodeWatch(w));
    await p.execOrThrow();
  }

  /** Control notes, oldest first. */
  async controls(id: string): Promise<ControlMessage[]> {
    return byCreation(values(await this.redis.hgetall(this.keys.control(id)), decodeControl));
  }

  async saveControls(...notes: ControlMessage[]): Promise<void> {
    if (notes.length === 0) return;
    const p = this.redis.pipeline();
    for (const c of notes) p.add("HSET", this.keys.control(c.mission_id), c.id, encodeControl(c));
    await p.execOrThrow();
  }

  /**
   * Appends log lines (the capped list, newest first) and a `mission_event` per line on the
   * town and mission streams, in one round trip.
   */
  async log(missionId: string, ...texts: string[]): Promise<void> {
    if (texts.length === 0) return;
    const p = this.redis.pipeline();
    const at = new Date();
    for (const text of texts) {
      p.add("LPUSH", this.keys.log(missionId), logStamp(at) + text);
      this.events.addTo(p, newEvent("mission_event", text, { missionId, timestamp: at }));
    }
    p.add("LTRIM", this.keys.log(missionId), 0, 99);
    await p.execOrThrow();
  }

  /**
   * Several changes of one mission in one round trip: the record, work items, watches, notes,
   * log lines (with their events) and the active-set membership, as given.
   */
  async write(batch: MissionBatch): Promise<void> {
    const p = this.redis.pipeline();
    const k = this.keys;
    if (batch.mission) p.add("SET", k.mission(batch.mission.id), encodeMission(batch.mission));
    for (const w of batch.items ?? []) p.add("HSET", k.work(w.mission_id), w.id, encodeWorkItem(w));
    for (const w of batch.watches ?? []) p.add("HSET", k.watch(w.mission_id), w.id, encodeWatch(w));
    for (const c of batch.controls ?? []) {
      p.add("HSET", k.control(c.mission_id), c.id, encodeControl(c));
    }
    if (batch.active !== undefined) {
      p.add(batch.active.add ? "SADD" : "SREM", k.active, batch.active.id);
    }
    const at = new Date();
    for (const { missionId, text } of batch.logs ?? []) {
      p.add("LPUSH", k.log(missionId), logStamp(at) + text).add("LTRIM", k.log(missionId), 0, 99);
      this.events.addTo(p, newEvent("mission_event", text, { missionId, timestamp: at }));
    }
    if (p.length) await p.execOrThrow();
  }

  /** The newest `count` log lines, newest first. */
  async logLines(missionId: string, count = 100): Promise<string[]> {
    return await this.redis.lrange(this.keys.log(missionId), 0, count - 1);
  }

  /** Takes the dispatcher lease when nobody holds it; true when this owner has it now. */
  async acquireLock(missionId: string, token: string, ttlSecs: number): Promise<boolean> {
    return await this.redis.set(this.keys.lock(missionId), token, { nx: true, ex: ttlSecs });
  }

  /** Extends this owner's lease (a long tick keeps its claim); false when it was lost. */
  async refreshLock(missionId: string, token: string, ttlSecs: number): Promise<boolean> {
    return (await this.redis.evalScript(REFRESH_LOCK, [this.keys.lock(missionId)], [
      token,
      ttlSecs,
    ])) === 1;
  }

  async releaseLock(missionId: string, token: string): Promise<void> {
    await this.redis.evalScript(RELEASE_LOCK, [this.keys.lock(missionId)], [token]);
  }

  /** Takes the leases on `ids` that nobody holds, in one round trip; returns the ones taken. */
  async acquireLocks(ids: readonly string[], token: string, ttlSecs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.add("SET", this.keys.lock(id), token, "NX", "EX", ttlSecs);
    const r = await p.exec();
    return ids.filter((_, i) => r[i] === "OK");
  }

  /** Releases this owner's leases on `ids` in one round trip. */
  async releaseLocks(ids: readonly string[], token: string): Promise<void> {
    if (ids.length === 0) return;
    const p = this.redis.pipeline();
    for (const id of ids) p.add("EVAL", RELEASE_LOCK.source, 1, this.keys.lock(id), token);
    await p.exec();
  }

  /** Drops the queries naming `marker` from an inbox (help requests of one mission). */
  async retireQueries(inboxKey: string, marker: string): Promise<number> {
    return Number(await this.redis.evalScript(RETIRE_QUERIES, [inboxKey], [marker]));
  }

  /** The lease holder's token, or null. */
  async lockHolder(missionId: string): Promise<string | null> {
    return await this.redis.get(this.keys.lock(missionId));
  }

  /**
   * Removes every key of the mission (record, work, watch, control, log, lease, its event
   * stream) and its active-set entry; true when the record or any sub-key existed.
   */
  async delete(missionId: string, streamKey: string): Promise<boolean> {
    const k = this.keys;
    const keys = [
      k.mission(missionId),
      k.work(missionId),
      k.watch(missionId),
      k.control(missionId),
      k.log(missionId),
      k.lock(missionId),
      streamKey,
    ];
    const r = await this.redis.multi().add("DEL", ...keys).add("SREM", k.active, missionId)
      .exec();
    return (r[0] as number) > 0 || (r[1] as number) > 0;
  }
}
