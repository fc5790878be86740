/**
 * A loop host: the loops of many agents in one process (see loop.ts for one loop). Each loop
 * is its own async task with its own blocking connection, so an exception or a hung await in
 * one never stops the others; they share the town's command connection. The host does, for all
 * of its loops at once, what each loop would otherwise poll for: one periodic check (stop
 * flags, urgent messages, the backlog, paused agents' states) that wakes the loops concerned,
 * and batched lease renewals. Its request queue carries loops to start and nudges ("look
 * again") from `tt kill`, `interrupt`, `resume` and `close`. No process-wide state here: the
 * process around it (host_process.ts, loop_process.ts) owns signals and exit.
 */
import { describeError } from "../errors.ts";
import type { RedisClient } from "../redis/client.ts";
import type { Store } from "../store/store.ts";
import { loadTownConfig } from "../town/config.ts";
import type { Town } from "../town/town.ts";
import { sleep } from "../sleep.ts";
import { hostname } from "./liveness.ts";
import { type LoopEnd, type LoopOptions, runLoop } from "./loop.ts";
import { isRedisOutage, outageDelayMs } from "./outage.ts";
import { isTerminalState } from "../model/agent.ts";
import { parseId } from "../model/ids.ts";
import { parseItem, type StartRequest } from "./host_items.ts";

export type { StartRequest };

/**
 * Seconds between the host's checks (its blocking wait on its queue lasts this long), at most
 * a third of the lease so leases are renewed in time. What needs a prompt look nudges the
 * queue instead (kill, interrupt, resume, close, an urgent message to a hosted agent), so the
 * checks are for the rest: a backlog change, a stop flag or urgent message written by another
 * tool. Each check costs the host about as much CPU as a bare process's wake-up from BLMOVE;
 * at 2 s, 30 idle agents cost 5-6x the CPU of one process waiting with 1 s timeouts
 * (bench/idle_agents.ts, timed per thread), at 5 s about 2.5x.
 */
const CHECK_SECS = 5;
/** A paused loop looks at its record this often even without a wake (states set by others). */
const PAUSED_WAIT_MS = 30_000;

type Phase = "busy" | "idle" | "paused";

interface HostedLoop {
  req: StartRequest;
  stop: AbortController;
  /** Aborted to end the loop's current wait early. */
  wake?: AbortController;
  phase: Phase;
  blocking?: RedisClient;
  /** Settles when the loop has ended and left the host. */
  done?: Promise<LoopEnd>;
}

export interface LoopHostOptions {
  town: Town;
  store: Store;
  /** The host's own log. */
  log: (line: string) => void;
  /** The log of one loop (its agent's loop.log). */
  loopLog: (req: StartRequest) => (line: string) => void;
  /** Start requests from the queue are run (a `tt agent-loop` process runs just its own). */
  acceptStarts: boolean;
  /**
   * Called when the last loop ended, before the host looks at its queue a last time: from
   * then on `tt spawn` must start a new host (see host_process.ts). Returns a function that
   * undoes it, called when that last look found loops to start after all.
   */
  beforeExit?: () => Promise<() => Promise<void>>;
  /** Told the names of the agents whose loops run here, each time that changes. */
  loopsChanged?: (names: string[]) => void;
}

export class LoopHost {
  readonly pid = Deno.pid;
  readonly host = hostname();
  #loops = new Map<string, HostedLoop>();
  #stopping = new AbortController();
  /** Aborted to end the host's own wait early (a loop ended, stop). */
  #nudge = new AbortController();
  #lastBacklog: string | undefined;
  /** Checks left that still wake idle loops for the last backlog change (see #check). */
  #backlogWakes = 0;
  #lastRenewal = 0;
  #blocking: RedisClient | undefined;

  constructor(private readonly opts: LoopHostOptions) {}

  get size(): number {
    return this.#loops.size;
  }

  /** The agents whose loops run here. */
  agentIds(): string[] {
    return [...this.#loops.keys()];
  }

  /**
   * Starts a loop (unless this host runs one for the agent already); resolves with how it
   * ended. A loop that throws is logged to its own log and ends "error"; the others go on.
   */
  start(req: StartRequest): Promise<LoopEnd> | undefined {
    if (this.#loops.has(req.id) || this.#stopping.signal.aborted) return undefined;
    let log: (line: string) => void;
    try {
      log = this.opts.loopLog(req);
    } catch (err) {
      this.opts.log(`Not starting ${req.name} (${req.id}): ${describeError(err)}`);
      return undefined;
    }
    const entry: HostedLoop = { req, stop: new AbortController(), phase: "busy" };
    this.#loops.set(req.id, entry);
    this.#changed();
    entry.done = this.#runOne(entry, log).finally(() => {
      this.#loops.delete(req.id);
      this.#changed();
      void entry.blocking?.close();
      this.#nudge.abort();
    });
    return entry.done;
  }

  #changed(): void {
    try {
      this.opts.loopsChanged?.([...this.#loops.values()].map((l) => l.req.name));
    } catch (err) {
      this.opts.log(`Could not record the loops of this host: ${describeError(err)}`);
    }
  }

  /** Aborts every loop (SIGTERM/SIGINT of the host process): each ends its CLI, as a kill. */
  stopAll(reason: string): void {
    this.#stopping.abort(new Error(reason));
    for (const entry of this.#loops.values()) entry.stop.abort(new Error(reason));
    this.#nudge.abort();
  }

  /** Closes every connection: a stop without Redis must not wait for it to come back. */
  closeClients(): void {
    for (const entry of this.#loops.values()) void entry.blocking?.close();
    void this.#blocking?.close();
    void this.opts.town.redis.close();
  }

  /** Runs the host's checks until no loop is left (and its queue is empty). */
  async run(): Promise<void> {
    this.#blocking = await this.opts.town.redis.duplicate();
    let outages = 0;
    try {
      for (;;) {
        if (this.#loops.size === 0 && !(await this.#lastLook())) return;
        try {
          await this.#tick();
          outages = 0;
        } catch (err) {
          // The loops do not depend on these checks to be correct, only to be prompt: an
          // error here is logged and the checks go on.
          if (this.#loops.size === 0) continue;
          if (++outages === 1 || !isRedisOutage(err)) {
            this.opts.log(`Host check failed: ${describeError(err)}`);
          }
          await sleep(outageDelayMs(outages), this.#nudge.signal);
        }
        if (this.#nudge.signal.aborted) this.#nudge = new AbortController();
      }
    } finally {
      await this.#blocking.close();
    }
  }

  /** No loop left: last look at the queue. True when it started loops after all. */
  async #lastLook(): Promise<boolean> {
    if (!this.opts.acceptStarts || this.#stopping.signal.aborted) return false;
    const undo = await this.opts.beforeExit?.();
    const items = await this.opts.store.hosts.drain(this.host, this.pid).catch(() => []);
    await this.#handle(items);
    if (this.#loops.size === 0) return false;
    await undo?.();
    return true;
  }

  async #tick(): Promise<void> {
    const { store } = this.opts;
    const leaseSecs = this.opts.town.config.agent.leaseSecs;
    const waitSecs = Math.max(1, Math.min(CHECK_SECS, Math.floor(leaseSecs / 3)));
    const first = await store.hosts.next(this.#blocking!, this.host, this.pid, waitSecs, {
      signal: this.#nudge.signal,
    }).catch((err) => {
      if (this.#nudge.signal.aborted) return null;
      throw err;
    });
    if (first !== null) {
      await this.#handle([first, ...(await store.hosts.drain(this.host, this.pid))]);
    }
    if (this.#loops.size === 0) return;
    await this.#check();
    await this.#renewLeases();
  }

  /** Resolves once every start request among `items` runs (or was refused). */
  async #handle(items: string[]): Promise<void> {
    for (const raw of items) {
      const item = parseItem(raw);
      if (item === undefined) this.opts.log(`Ignored a request this host cannot read: ${raw}`);
      else if (item !== "wake" && this.opts.acceptStarts) await this.#startRequested(item);
    }
  }

  /** A request from the queue (data from Redis): run only for the agent record it names. */
  async #startRequested(req: StartRequest): Promise<void> {
    const id = parseId(req.id);
    const agent = id && await this.opts.store.agents.get(id).catch(() => undefined);
    if (!agent || agent.name !== req.name || isTerminalState(agent.state)) {
      this.opts.log(`Not starting ${req.name} (${req.id}): no such agent waiting to start`);
      return;
    }
    this.opts.log(`Starting the loop of ${req.name} (${id}), up to ${req.maxRounds} rounds`);
    const ending = this.#loops.get(agent.id)?.done;
    if (ending) {
      // A restart right after a kill: the old loop has written its end and is leaving.
      void ending.then(() => this.start({ ...req, id: agent.id }));
      return;
    }
    // Not awaited: the loop runs until it ends; start() has registered it.
    void this.start({ ...req, id: agent.id });
  }

  /** The periodic check: wakes the loops something happened for, aborts killed ones. */
  async #check(): Promise<void> {
    const { store } = this.opts;
    const loops = [...this.#loops.values()];
    const ids = loops.map((l) => l.req.id);
    const idle = loops.filter((l) => l.phase === "idle").map((l) => l.req.id);
    const paused = loops.filter((l) => l.phase === "paused");
    const c = await store.hosts.check(ids, idle, paused.map((l) => l.req.id));
    // A backlog change wakes the idle loops for this check and the next one: a loop that was
    // between its backlog read and its wait at this check is idle by the next. The first check
    // counts as a change too (work may have been added while the host started). A needless
    // wake costs one pass that reads the backlog ids.
    if (c.backlog !== this.#lastBacklog) this.#backlogWakes = 2;
    this.#lastBacklog = c.backlog;
    if (this.#backlogWakes > 0) {
      this.#backlogWakes--;
      for (const l of loops) if (l.phase === "idle") l.wake?.abort();
    }
    paused.forEach((l, i) => c.pausedStates[i] !== "paused" && l.wake?.abort());
    if (c.flagged === 0) return;
    const flags = await store.hosts.flags(ids);
    loops.forEach((l, i) => {
      const f = flags[i];
      // Killed (stop flag, state stopped by `tt kill` or `tt recover`): end it now, its CLI
      // too. Closed (draining): the loop stops at its next pass, after the round.
      if (f.stop && f.state !== "draining") l.stop.abort(new Error("stop requested"));
      else if (f.stop || (f.urgent && l.phase === "idle")) l.wake?.abort();
    });
  }

  async #renewLeases(): Promise<void> {
    const leaseSecs = this.opts.town.config.agent.leaseSecs;
    const now = Date.now();
    if (now - this.#lastRenewal < Math.max(1000, (leaseSecs * 1000) / 3)) return;
    this.#lastRenewal = now;
    // Leases only: an idle loop's own pass writes its heartbeat, a round's runner both.
    await this.opts.store.hosts.renewLeases(this.agentIds(), `${this.pid}@${this.host}`, leaseSecs);
  }

  async #runOne(entry: HostedLoop, log: (line: string) => void): Promise<LoopEnd> {
    const { town, store } = this.opts;
    try {
      // The town file as it is now: a loop started later sees later settings, as its own
      // process would.
      const config = await loadTownConfig(town.root).catch(() => town.config);
      entry.blocking = await town.redis.duplicate();
      const opts: LoopOptions = { root: town.root, ...entry.req, log };
      return await runLoop(opts, {
        town: { ...town, config },
        store,
        blocking: entry.blocking,
        signal: entry.stop.signal,
        log,
        waits: {
          forWork: (agentId, secs, signal) => this.#waitForWork(entry, agentId, secs, signal),
          whilePaused: (signal) => this.#waitWhilePaused(entry, signal),
        },
      });
    } catch (err) {
      log(`Agent loop ended by an error: ${describeError(err)}`);
      return "error";
    }
  }

  async #waitForWork(entry: HostedLoop, agentId: string, secs: number, signal: AbortSignal) {
    const wake = this.#waitBegins(entry, "idle");
    const both = AbortSignal.any([signal, wake.signal]);
    try {
      await this.opts.store.mailbox.waitForMessage(entry.blocking!, agentId, secs, {
        signal: both,
      });
    } catch (err) {
      if (!both.aborted) throw err;
    } finally {
      entry.phase = "busy";
      entry.wake = undefined;
    }
  }

  async #waitWhilePaused(entry: HostedLoop, signal: AbortSignal) {
    const wake = this.#waitBegins(entry, "paused");
    try {
      await sleep(PAUSED_WAIT_MS, AbortSignal.any([signal, wake.signal]));
    } finally {
      entry.phase = "busy";
      entry.wake = undefined;
    }
  }

  #waitBegins(entry: HostedLoop, phase: Phase): AbortController {
    entry.phase = phase;
    entry.wake = new AbortController();
    return entry.wake;
  }
}
