/**
 * What a failed agent round leaves on the agent record (tt only: the hash field
 * `last_error_detail`, JSON with snake_case keys, which tinytown ignores): how the CLI ended,
 * when, which round, where its log is, and the last lines it wrote.
 */
import { isJsonObject } from "./fields.ts";
import { jsonTime, parseTime } from "./time.ts";

/** The outcomes of a round that count as a failure. */
export const FAILED_OUTCOMES = ["failed", "timeout", "stalled", "spawn_error"] as const;
/** One of FAILED_OUTCOMES. */
export type FailedOutcome = typeof FAILED_OUTCOMES[number];

/** Why and how an agent's last round failed (its `last_error_detail`). */
export interface RoundFailure {
  /** How the round ended. */
  outcome: FailedOutcome;
  /** The CLI's exit code, when it exited on its own. */
  exitCode?: number;
  /** The signal that ended it (e.g. "SIGTERM"), if any. */
  signal?: string;
  /** One line saying what happened (also the agent's `last_error`). */
  message: string;
  /** When the round ended. */
  at: Date;
  /** The round's number in its loop. */
  round: number;
  /** Failed rounds in a row, this one included. */
  failedInARow: number;
  /** The round's log file (the CLI's stdout and stderr). */
  log: string;
  /** The last lines of that log, bounded in number and size. */
  outputTail: string[];
}

/** The JSON object (`--json`, and the hash field's content). */
export function roundFailureJson(f: RoundFailure): Record<string, unknown> {
  return {
    outcome: f.outcome,
    exit_code: f.exitCode ?? null,
    signal: f.signal ?? null,
    message: f.message,
    at: jsonTime(f.at),
    round: f.round,
    failed_rounds: f.failedInARow,
    log: f.log,
    output_tail: f.outputTail,
  };
}

export function encodeRoundFailure(f: RoundFailure): string {
  return JSON.stringify(roundFailureJson(f));
}

const count = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Reads the hash field; anything unreadable is treated as absent (never throws). */
export function decodeRoundFailure(text: string | undefined): RoundFailure | undefined {
  if (text === undefined) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(o)) return undefined;
  const outcome = o.outcome;
  const at = typeof o.at === "string" ? parseTime(o.at) : undefined;
  if (
    !(FAILED_OUTCOMES as readonly unknown[]).includes(outcome) || at === undefined ||
    typeof o.message !== "string" || typeof o.log !== "string" || !count(o.round) ||
    !count(o.failed_rounds)
  ) {
    return undefined;
  }
  const tail = Array.isArray(o.output_tail)
    ? o.output_tail.filter((l): l is string => typeof l === "string")
    : [];
  const f: RoundFailure = {
    outcome: outcome as FailedOutcome,
    message: o.message,
    at,
    round: o.round as number,
    failedInARow: o.failed_rounds as number,
    log: o.log,
    outputTail: tail,
  };
  if (typeof o.exit_code === "number" && Number.isSafeInteger(o.exit_code)) {
    f.exitCode = o.exit_code;
  }
  if (typeof o.signal === "string") f.signal = o.signal;
  return f;
}
