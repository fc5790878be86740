/**
 * The mission dispatcher (spec extended §6.11): each tick claims missions by lease, processes
 * their control notes, checks due watches through `gh`, runs the scheduler pass, records tick
 * and progress, and asks the conductor for help when a mission is stuck. `run` repeats ticks
 * and survives failures (gh, Redis) with back-off; a dispatcher killed mid-tick leaves its
 * leases to expire, and everything it did is already in Redis, so the next one goes on.
 */
import { describeError } from "../errors.ts";
import { recordDispatchProgress, recordDispatchTick } from "../model/mission.ts";
import { newId } from "../model/ids.ts";
import { sleep } from "../sleep.ts";
import type { Store } from "../store/store.ts";
import { DEFAULT_MISSION_CONFIG, type MissionConfig } from "./config.ts";
import { PassContext } from "./context.ts";
import { processNotes } from "./control.ts";
import type { GitHub } from "./github.ts";
import { assessHelp, sendHelpRequest } from "./help.ts";
import { passOne } from "./scheduler.ts";
import { checkDueWatches, type WatchResult } from "./watches.ts";
import { WorkingSet } from "./working_set.ts";

export interface TickResult {
  claimed: string[];
  /** Missions another dispatcher holds. */
  skipped: string[];
  watchesProcessed: number;
  watchesTriggered: number;
  watchesCompleted: number;
  watchesFailed: number;
  promoted: number;
  assigned: number;
  missionsCompleted: number;
  /** Distinct watch check errors (e.g. gh missing), for the operator. */
  errors: string[];
  /** Every failed watch check of the tick, in order. */
  failures: WatchFailure[];
}

/** One watch check that failed (gh missing, an API error, an unreadable answer). */
export interface WatchFailure {
  missionId: string;
  watchId: string;
  /** The watch kind (`pr_checks`, `mergeability`, ...). */
  kind: string;
  /** What it watches (`owner/repo#N` or a PR URL). */
  target: string;
  error: string;
}

export interface DispatcherOptions {
  config?: MissionConfig;
  /** The GitHub client, made on first use (only a due watch needs gh). */
  github: () => GitHub;
  /** Only this mission (even when not active). */
  runFilter?: string;
  /** This dispatcher's lease token (default: random). */
  token?: string;
}

export class Dispatcher {
  readonly token: string;
  readonly config: MissionConfig;

  constructor(private readonly store: Store, private readonly opts: DispatcherOptions) {
    this.token = opts.token ?? newId();
    this.config = opts.config ?? DEFAULT_MISSION_CONFIG;
  }

  async tick(): Promise<TickResult> {
    const candidates = this.opts.runFilter
      ? [this.opts.runFilter]
      : await this.store.missions.activeIds();
    const claimed = await this.store.missions.acquireLocks(
      candidates,
      this.token,
      this.config.lockTtlSecs,
    );
    const result: TickResult = {
      claimed,
      skipped: candidates.filter((id) => !claimed.includes(id)),
      watchesProcessed: 0,
      watchesTriggered: 0,
      watchesCompleted: 0,
      watchesFailed: 0,
      promoted: 0,
      assigned: 0,
      missionsCompleted: 0,
      errors: [],
      failures: [],
    };
    if (claimed.length === 0) return result;
    // Leases are renewed while the tick runs (gh calls can take long); a dispatcher that dies
    // stops renewing, and its leases expire for the next one.
    const renewal = setInterval(() => {
      this.store.missions.refreshLocks(claimed, this.token, this.config.lockTtlSecs)
        .catch(() => {});
    }, Math.max(500, (this.config.lockTtlSecs * 1000) / 3));
    try {
      let ctx = await PassContext.load(this.store, this.config);
      const sets = (await this.store.missions.snapshots(claimed)).map((s) => new WorkingSet(s));
      for (let ws of sets) {
        const watched = await this.checkWatches(ctx, ws, result);
        if (watched.checked) {
          // gh calls take seconds; agents may have completed tasks meanwhile. Reading again
          // keeps this pass from overwriting their newer records with what it read before.
          ctx = await PassContext.load(this.store, this.config);
          ws = (await WorkingSet.load(this.store, ws.id)) ?? ws;
        }
        const progressed = await this.schedule(ctx, ws, result) || watched.progressed;
        let m = recordDispatchTick(ws.mission);
        if (progressed) m = recordDispatchProgress(m);
        ws.setMission(m);
        const reason = assessHelp(ctx, ws);
        if (reason) await sendHelpRequest(ctx, ws, reason);
        await ws.flush(this.store);
      }
    } finally {
      clearInterval(renewal);
      await this.release(claimed);
    }
    return result;
  }

  /** Notes and due watches of one claimed mission, written back. */
  private async checkWatches(
    ctx: PassContext,
    ws: WorkingSet,
    r: TickResult,
  ): Promise<{ progressed: boolean; checked: boolean }> {
    let progressed = await processNotes(ctx, ws);
    const watches: WatchResult[] = await checkDueWatches(ctx, ws, this.opts.github);
    await ws.flush(this.store);
    for (const w of watches) {
      r.watchesProcessed++;
      if (w.triggered) r.watchesTriggered++;
      if (w.status === "done") r.watchesCompleted++;
      if (w.error) {
        r.watchesFailed++;
        if (!r.errors.includes(w.error)) r.errors.push(w.error);
        const watch = ws.watches.get(w.watchId);
        r.failures.push({
          missionId: w.missionId,
          watchId: w.watchId,
          kind: watch?.kind ?? "unknown",
          target: watch?.target_ref ?? "",
          error: w.error,
        });
      }
      if (w.triggered || w.status !== "active") progressed = true;
    }
    return { progressed, checked: watches.length > 0 };
  }

  /** The scheduler pass for one claimed mission; true when it changed something. */
  private async schedule(ctx: PassContext, ws: WorkingSet, r: TickResult): Promise<boolean> {
    const before = ws.mission.state;
    const pass = await passOne(ctx, ws);
    r.promoted += pass.promoted.length;
    r.assigned += pass.assigned.length;
    if (pass.missionCompleted) r.missionsCompleted++;
    return before !== ws.mission.state || pass.reconciled.length > 0 ||
      pass.promoted.length > 0 || pass.assigned.length > 0 || pass.completed.length > 0;
  }

  private async release(ids: readonly string[]): Promise<void> {
    try {
      await this.store.missions.releaseLocks(ids, this.token);
    } catch {
      // A lease we cannot release expires by itself.
    }
  }

  /**
   * Ticks until `signal` aborts. A failed tick is reported and retried after a back-off
   * (doubling from 1 s up to the tick interval) instead of ending the loop.
   */
  async run(
    signal: AbortSignal,
    report: (r: TickResult | Error) => void = () => {},
  ): Promise<void> {
    let backoffMs = 1000;
    while (!signal.aborted) {
      let wait = this.config.tickIntervalSecs * 1000;
      try {
        report(await this.tick());
        backoffMs = 1000;
      } catch (err) {
        report(err instanceof Error ? err : new Error(describeError(err)));
        wait = Math.min(backoffMs, wait);
        backoffMs = Math.min(backoffMs * 2, Math.max(1000, this.config.tickIntervalSecs * 1000));
      }
      await sleep(wait, signal);
    }
  }
}
