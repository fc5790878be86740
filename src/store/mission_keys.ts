/**
 * Key names of mission mode (spec extended §6.3), the same as tinytown's, so a mission is
 * readable by either tool. The per-mission stream lives with the other streams (keys.ts).
 */
import { escapeGlob } from "./keys.ts";

/** Suffixes of a mission's sub-keys: a key ending in one is not a MissionRun. */
export const MISSION_SUBKEYS = ["work", "watch", "control", "events", "dispatch_lock"] as const;

export interface MissionKeys {
  /** MissionRun JSON (a string, not a hash). */
  mission(id: string): string;
  /** Work items (hash: id -> WorkItem JSON). */
  work(id: string): string;
  /** Watches (hash: id -> WatchItem JSON). */
  watch(id: string): string;
  /** Control notes (hash: id -> ControlMessage JSON). */
  control(id: string): string;
  /** Mission log lines, newest first, at most 100 (list). */
  log(id: string): string;
  /** The dispatcher's lease (string with expiry). */
  lock(id: string): string;
  /** Ids of active missions (set). */
  readonly active: string;
  /** Glob over every mission key of the town (sub-keys included). */
  readonly pattern: string;
  /** The mission id of a key the pattern found, or undefined for a sub-key or the set. */
  idOf(key: string): string | undefined;
}

export function missionKeys(town: string): MissionKeys {
  const base = `tt:${town}:mission:`;
  return {
    mission: (id) => `${base}${id}`,
    work: (id) => `${base}${id}:work`,
    watch: (id) => `${base}${id}:watch`,
    control: (id) => `${base}${id}:control`,
    log: (id) => `${base}${id}:events`,
    lock: (id) => `${base}${id}:dispatch_lock`,
    active: `${base}active`,
    pattern: `tt:${escapeGlob(town)}:mission:*`,
    idOf(key) {
      if (!key.startsWith(base)) return undefined;
      const rest = key.slice(base.length);
      if (rest === "active" || rest.includes(":")) return undefined;
      return rest;
    },
  };
}
