/**
 * Mission mode settings: the reference's fixed dispatcher defaults, plus tt's
 * `[mission] max_fix_attempts` from tinytown.toml (a table the town config keeps as it is).
 */
import { ConfigError } from "../errors.ts";

export interface MissionConfig {
  /** Watch fix tasks per work item before the dispatcher escalates to the conductor. */
  maxFixAttempts: number;
  /** Seconds between dispatcher ticks. */
  tickIntervalSecs: number;
  /** Seconds a dispatcher's lease on a mission lasts without renewal. */
  lockTtlSecs: number;
  /** Seconds before the same help request is sent again (then doubled, up to the cap). */
  helpRepeatIntervalSecs: number;
  helpRepeatBackoffCap: number;
  /** Snooze after a triggered watch. */
  watchSnoozeSecs: number;
  /** Failed checks of a watch before its work item is blocked. */
  watchMaxFailures: number;
  /** Lines of a failed run's log put into a fix task. */
  logTailLines: number;
}

export const DEFAULT_MISSION_CONFIG: MissionConfig = {
  maxFixAttempts: 3,
  tickIntervalSecs: 30,
  lockTtlSecs: 90,
  helpRepeatIntervalSecs: 1800,
  helpRepeatBackoffCap: 8,
  watchSnoozeSecs: 180,
  watchMaxFailures: 5,
  logTailLines: 40,
};

/** The `[mission]` table of the town's raw TOML document, checked, over the defaults. */
export function missionConfigFrom(raw: Record<string, unknown>): MissionConfig {
  const config = { ...DEFAULT_MISSION_CONFIG };
  const t = raw.mission;
  if (t === undefined) return config;
  if (typeof t !== "object" || t === null || Array.isArray(t)) {
    throw new ConfigError("tinytown.toml: [mission] must be a table");
  }
  const v = (t as Record<string, unknown>).max_fix_attempts;
  if (v !== undefined) {
    const n = typeof v === "bigint" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 1000) {
      throw new ConfigError(
        "tinytown.toml: [mission] max_fix_attempts must be a whole number from 1 to 1000",
      );
    }
    config.maxFixAttempts = n;
  }
  return config;
}
