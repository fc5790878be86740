/**
 * Failed rounds are never silent: each one is recorded on the agent (`last_error` and
 * `last_error_detail`, with the last lines the CLI wrote), the next round waits longer after
 * each failure in a row, and after `[agent] max_failed_rounds` of them the conductor is told.
 */
import type { Agent } from "../model/agent.ts";
import { SUPERVISOR_ID } from "../model/ids.ts";
import { newMessage } from "../model/message.ts";
import type { FailedOutcome, RoundFailure } from "../model/round_failure.ts";
import { sleep } from "../sleep.ts";
import type { Store } from "../store/store.ts";
import type { AgentSettings } from "../town/config.ts";
import { renewLease } from "./liveness.ts";
import { throughOutages } from "./outage.ts";
import type { RunResult } from "./runner.ts";

/** Lines of the CLI's output kept with a failure, and the most bytes read for them. */
export const TAIL_LINES = 20;
export const TAIL_BYTES = 4096;
/** The longest wait between failed rounds. */
export const MAX_BACKOFF_MS = 60_000;
/** How often a back-off looks for a stop request. */
const STOP_POLL_MS = 250;

/** One line saying how a round that did not succeed ended. */
export function failureText(run: RunResult, agent: AgentSettings): string {
  switch (run.outcome) {
    case "timeout":
      return `round timed out after ${agent.roundTimeoutSecs}s`;
    case "stalled":
      return `round stalled: no output for ${agent.stallTimeoutSecs}s`;
    case "cancelled":
      return "round cancelled (agent stopping)";
    case "spawn_error":
      return `agent CLI could not start: ${run.error}`;
    default:
      return run.exitCode !== undefined
        ? `agent CLI exited with ${run.exitCode}`
        : `agent CLI was killed by ${run.signal ?? "a signal"}`;
  }
}

/** Wait before the round after the `failedInARow`-th failure: base, 2x base, 4x ... capped. */
export function backoffMs(failedInARow: number, baseMs: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, Math.min(failedInARow - 1, 30)));
}

/**
 * The last `maxLines` lines of a file, reading at most its last `maxBytes` (a partial first
 * line is dropped). Missing or unreadable file: no lines.
 */
export async function outputTail(
  file: string,
  maxLines = TAIL_LINES,
  maxBytes = TAIL_BYTES,
): Promise<string[]> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(file, { read: true });
    const size = (await handle.stat()).size;
    const start = Math.max(0, size - maxBytes);
    await handle.seek(start, Deno.SeekMode.Start);
    const buf = new Uint8Array(size - start);
    let got = 0;
    while (got < buf.length) {
      const n = await handle.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    let lines = new TextDecoder().decode(buf.subarray(0, got)).split(/\r?\n/);
    if (start > 0) lines = lines.slice(1);
    while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
    return lines.slice(-maxLines);
  } catch {
    return [];
  } finally {
    handle?.close();
  }
}

/** The record of a failed round. */
export async function roundFailure(
  run: RunResult,
  round: number,
  failedInARow: number,
  log: string,
  settings: AgentSettings,
): Promise<RoundFailure> {
  const f: RoundFailure = {
    outcome: run.outcome as FailedOutcome,
    message: `round ${round}: ${failureText(run, settings)}`,
    at: new Date(),
    round,
    failedInARow,
    log,
    outputTail: await outputTail(log),
  };
  if (run.exitCode !== undefined) f.exitCode = run.exitCode;
  if (run.signal !== undefined) f.signal = run.signal;
  return f;
}

/** One line for the agent's activity list. */
export function activityText(run: RunResult): string {
  switch (run.outcome) {
    case "ok":
      return "✅ completed";
    case "timeout":
      return "⏱️ timed out";
    case "stalled":
      return "⏳ stalled (no output)";
    case "spawn_error":
      return `❌ failed: ${run.error}`;
    case "cancelled":
      return "🛑 cancelled";
    default:
      return "⚠️ CLI error";
  }
}

/**
 * An agent loop's failed rounds in a row: each is recorded on the agent record, the wait
 * before the next round doubles, and a round that succeeds clears the record.
 */
export class FailedRounds {
  /** Rounds that failed in a row (a success resets it). */
  inARow = 0;

  constructor(
    private readonly store: Store,
    private readonly settings: AgentSettings,
    private readonly signal: AbortSignal,
    private readonly log: (line: string) => void,
  ) {}

  /** A round succeeded: the agent's last failure is no longer its state. */
  async succeeded(agent: Agent): Promise<void> {
    const had = this.inARow > 0 || agent.lastError !== undefined;
    this.inARow = 0;
    if (!had) return;
    const next = { ...agent };
    delete next.lastError;
    delete next.lastErrorDetail;
    await this.store.agents.update(next, ["lastError", "lastErrorDetail"]);
  }

  /** Records a failed round on the agent (`last_error` is its one-line message). */
  async failed(agent: Agent, run: RunResult, round: number, log: string): Promise<RoundFailure> {
    this.inARow++;
    const f = await roundFailure(run, round, this.inARow, log, this.settings);
    await throughOutages(
      () =>
        this.store.agents.update({ ...agent, lastError: f.message, lastErrorDetail: f }, [
          "lastError",
          "lastErrorDetail",
        ]),
      this.signal,
      this.log,
      "recording the failed round",
    );
    this.log(`Round ${round} failed (${this.inARow} in a row): ${f.message}; log ${f.log}`);
    return f;
  }

  /**
   * Waits before the next round; ends early when the loop is signalled or a stop (kill,
   * close) is requested, leaving the request for the loop to act on.
   */
  async backOff(agent: Agent): Promise<void> {
    const ms = backoffMs(this.inARow, this.settings.failedRoundBackoffMs);
    this.log(`Waiting ${ms} ms before the next round`);
    const end = performance.now() + ms;
    // The wait can outlast the lease: keep it, or the loop would look dead meanwhile.
    const renewEvery = Math.max(1000, (this.settings.leaseSecs * 1000) / 3);
    let renewed = performance.now();
    while (!this.signal.aborted) {
      const left = end - performance.now();
      if (left <= 0) return;
      await sleep(Math.min(left, STOP_POLL_MS), this.signal);
      const stop = await this.store.agents.stopRequested(agent.id).catch(() => false);
      if (stop) return;
      if (performance.now() - renewed >= renewEvery) {
        renewed = performance.now();
        await renewLease(this.store, agent.id, this.settings.leaseSecs, true).catch(() => {});
      }
    }
  }

  /** Tells the conductor, once, that the agent went to Error and why. */
  async tellConductor(agent: Agent, f: RoundFailure, reason: string): Promise<void> {
    const text = `Agent ${agent.name} stopped with an error: ${reason} (log: ${f.log}). Its ` +
      `messages wait in its inbox; once the cause is fixed, run: tt restart ${agent.name}`;
    await throughOutages(
      () =>
        this.store.mailbox.send(
          newMessage(agent.id, SUPERVISOR_ID, { type: "informational", summary: text }),
        ),
      this.signal,
      this.log,
      "telling the conductor",
    );
  }
}
