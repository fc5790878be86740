/**
 * Redis failures that pass — the connection broke or timed out, the server is loading, or it
 * is out of memory (`maxmemory` with noeviction) — and waiting through them. An agent loop
 * keeps its work through these and carries on once Redis takes writes again.
 */
import { describeError } from "../errors.ts";
import { RedisConnectionError, RedisReplyError, RedisTimeoutError } from "../redis/errors.ts";
import { sleep } from "../sleep.ts";

/** Error codes of replies that say "not now" rather than "never". */
const PASSING_REPLIES = ["LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "OOM"];

export function isRedisOutage(err: unknown): boolean {
  if (err instanceof RedisConnectionError || err instanceof RedisTimeoutError) return true;
  return err instanceof RedisReplyError && PASSING_REPLIES.includes(err.code);
}

/** Back-off between attempts while Redis is unavailable: 100 ms doubling up to 2 s. */
export function outageDelayMs(attempt: number): number {
  return Math.min(2000, 50 * 2 ** Math.min(attempt, 6));
}

/**
 * Runs `fn` until it gets through an outage (other errors, and any error once `signal`
 * aborted, are thrown). Retrying a write whose reply was lost may apply it twice, so `fn`
 * must tolerate that (duplicates, never losses).
 */
export async function throughOutages<T>(
  fn: () => Promise<T>,
  signal: AbortSignal,
  log: (line: string) => void,
  what: string,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (signal.aborted || !isRedisOutage(err)) throw err;
      if (attempt === 1) log(`Redis unavailable while ${what}: ${describeError(err)}; retrying`);
      await sleep(outageDelayMs(attempt), signal);
    }
  }
}
