/**
 * `tt agent-loop`: the background process behind each agent. Each iteration: stop request?
 * paused? take waiting messages (urgent first) into flight; nothing there -> go idle and
 * block on the inbox; otherwise run a round of the agent CLI. Survives Redis restarts by
 * reconnecting; ends on max rounds, a stop request, idle timeout, or SIGTERM/SIGINT.
 */
import { describeError, TtError } from "../errors.ts";
import { type Agent, type AgentState, stateDisplayName } from "../model/agent.ts";
import { isTaskTerminal } from "../model/task.ts";
import type { RedisClient } from "../redis/client.ts";
import { RedisClosedError } from "../redis/errors.ts";
import { openStore, type Store } from "../store/store.ts";
import { effectiveAgentClis, resolveCli } from "../town/cli_presets.ts";
import { openTown, type Town } from "../town/town.ts";
import { cliEnvironment, cliWorkdir } from "./cli_env.ts";
import { hostname, releaseLease, renewLease } from "./liveness.ts";
import { stateChanged } from "./agent_events.ts";
import { activityText, FailedRounds } from "./failures.ts";
import { isRedisOutage, outageDelayMs, throughOutages } from "./outage.ts";
import { backlogFor, type RoundContext, runRound } from "./round.ts";
import { ensureTtShim } from "./tt_shim.ts";
import { dropLoopV8Flags } from "./v8_flags.ts";
import { sleep } from "../sleep.ts";

export interface LoopOptions {
  root: string;
  name: string;
  id: string;
  maxRounds: number;
  /** Where log lines go (the launcher points stdout at `.tt/agents/<name>/loop.log`). */
  log?: (line: string) => void;
}

export type LoopEnd =
  | "max-rounds"
  | "stopped"
  | "closed"
  | "idle-timeout"
  | "signal"
  | "gone"
  | "error";

/** How long one blocking wait on the inbox lasts before the loop looks at its flags again. */
const WAIT_SECS = 1;
/** Most messages one round takes; the rest wait for the next round. */
const MAX_MESSAGES_PER_ROUND = 100;

export async function runAgentLoop(opts: LoopOptions): Promise<LoopEnd> {
  dropLoopV8Flags();
  const log = opts.log ?? ((line: string) => console.log(`${new Date().toISOString()} ${line}`));
  const town = await openTown(opts.root, {
    reconnect: {
      maxDelayMs: 2000,
      onRetry: (n, e) => n % 10 === 1 && log(`Redis unavailable, retrying: ${e.message}`),
    },
  });
  for (const warning of town.warnings) log(`warning: ${warning}`);
  const blocking = await town.redis.duplicate();
  const store = openStore(town.redis, town.name);
  const stop = new AbortController();
  let giveUp: ReturnType<typeof setTimeout> | undefined;
  const closeClients = () => {
    void blocking.close();
    void town.redis.close();
  };
  const onSignal = () => {
    stop.abort(new Error("signal"));
    // Commands wait for Redis to come back; a stop request must not. Without Redis the loop
    // cannot record its end anyway, so it leaves its work in flight for the next loop.
    if (!town.redis.connected) closeClients();
    else giveUp ??= setTimeout(closeClients, 5000);
  };
  for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(sig, onSignal);
  try {
    return await loop(opts, town, store, blocking, stop.signal, log);
  } finally {
    clearTimeout(giveUp);
    for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.removeSignalListener(sig, onSignal);
    await blocking.close();
    await town.close();
  }
}

async function loop(
  opts: LoopOptions,
  town: Town,
  store: Store,
  blocking: RedisClient,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<LoopEnd> {
  const first = await store.agents.get(opts.id);
  if (!first) {
    throw new TtError(`agent ${opts.name} (${opts.id}) has no record in town '${town.name}'`);
  }
  let agent: Agent = first;
  const agentId = first.id;
  const cli = resolveCli(agent.cli, effectiveAgentClis(town.config.agentClis));
  const { idleTimeoutSecs, leaseSecs } = town.config.agent;
  const binDir = await ensureTtShim(town.paths.binDir);
  // [agent_clis.<name>.env] over the inherited environment, tt's own variables over both.
  const env = cliEnvironment(cli, {
    TINYTOWN_AGENT_ID: agent.id,
    TINYTOWN_AGENT_NAME: agent.name,
    TINYTOWN_TOWN: town.root,
  }, binDir);
  log(
    `Agent ${agent.name} (${agent.id}) starting: max ${opts.maxRounds} rounds, CLI ${cli.name} ` +
      `(${cli.argv.join(" ")}) in ${cliWorkdir(town.root, cli)}, idle timeout ${idleTimeoutSecs}s`,
  );
  const redelivered = await throughOutages(
    async () => {
      await store.agents.update({ ...agent, pid: Deno.pid, host: hostname() }, ["pid", "host"]);
      await renewLease(store, agent.id, leaseSecs, true);
      return await store.mailbox.redeliverInFlight(agent.id);
    },
    signal,
    log,
    "starting",
  );
  if (redelivered > 0) log(`Put back ${redelivered} message(s) left in flight by a previous loop`);

  const ctx: RoundContext = { town, store, cli, maxRounds: opts.maxRounds, env, signal, log };
  let round = 0;
  let lastBacklog = ""; // backlog ids seen by the last idle pass
  let end: LoopEnd = "max-rounds";
  // Passes in a row that failed on an outage. Reads may work while writes do not (a full
  // Redis), so only a whole pass that got through ends the outage.
  let outages = 0;
  let passFailed = false;
  const failures = new FailedRounds(store, town.config.agent, signal, log);
  try {
    while (round < opts.maxRounds) {
      if (signal.aborted) {
        end = "signal";
        break;
      }
      if (!passFailed && outages > 0) {
        log(`Redis available again after ${outages} failed attempt(s)`);
        outages = 0;
      }
      passFailed = false;
      try {
        const [stopFlag, fresh]: [number, Agent | undefined] = await Promise.all([
          store.redis.exists(store.keys.stop(agentId)),
          store.agents.get(agentId),
        ]);
        if (!fresh) {
          end = "gone";
          break;
        }
        agent = fresh;
        if (stopFlag) {
          await store.redis.del(store.keys.stop(agent.id));
          await store.activity.add(agent.id, `Round ${round + 1}: 🛑 stopped by request`);
          end = agent.state === "draining" ? "closed" : "stopped";
          break;
        }
        if (agent.state === "paused") {
          // A message the last idle wait moved into flight goes back: a paused agent holds none.
          await store.mailbox.redeliverInFlight(agent.id, { mark: false });
          await renewLease(store, agent.id, leaseSecs, false);
          await sleep(1000, signal);
          continue;
        }
        const { taken, rejected } = await store.mailbox.take(agent.id, MAX_MESSAGES_PER_ROUND);
        if (rejected.length) {
          log(`${rejected.length} message(s) could not be used and went to the dead letters`);
          await store.mailbox.addDeadLetters(agent.id, rejected);
        }
        if (taken.length === 0) {
          // The backlog is offered once per change: an idle pass reads only its ids, and
          // looks at the tasks (for role matches) when those ids changed.
          const ids = (await store.tasks.backlogIds()).join(",");
          let offer = false;
          if (ids !== lastBacklog) {
            lastBacklog = ids;
            offer = ids !== "" && (await backlogFor(store, agent)).snapshot.matching > 0;
          }
          if (!offer) {
            if (rejected.length) await store.mailbox.finish(agent.id);
            if (await goIdle(store, agent, idleTimeoutSecs, leaseSecs)) {
              end = "idle-timeout";
              break;
            }
            await waitForWork(store, blocking, agent.id, signal);
            continue;
          }
        }
        const result = await runRound(ctx, agent, round + 1, taken);
        if (result.kind === "skipped") continue;
        if (result.kind !== "ran") {
          const line = result.kind === "auto-handled"
            ? `⏭️ auto-handled ${result.informational} informational, ${result.confirmations} confirmations`
            : `⏭️ no direct work and ${result.total} backlog task(s) did not match role hint`;
          await store.activity.add(agent.id, `Round ${round + 1}: ${line}`);
          await markIdle(store, agent);
          continue;
        }
        const run = result.run;
        round++;
        await store.activity.add(agent.id, `Round ${round}: ${activityText(run)}`);
        await finishRound(store, agent.id);
        log(`Round ${round} ${run.outcome} in ${Math.round(run.durationMs)} ms`);
        if (run.outcome === "cancelled") {
          end = "signal";
          break;
        }
        if (run.outcome === "ok") {
          await failures.succeeded(agent);
          continue;
        }
        const failure = await failures.failed(agent, run, round, result.logFile);
        if (failure.failedInARow >= town.config.agent.maxFailedRounds) {
          const reason = `${failure.failedInARow} failed rounds in a row (the last: ` +
            `${failure.message})`;
          await releaseLease(store, agent.id).catch(() => {});
          await throughOutages(
            () => setFinalState(store, agent.id, "error", log, reason),
            signal,
            log,
            "recording the error",
          );
          await failures.tellConductor(agent, failure, reason);
          log(`Agent ${agent.name} finished (error) after ${round} round(s)`);
          return "error";
        }
        if (round < opts.maxRounds) await failures.backOff(agent);
      } catch (err) {
        // Redis went away (a restart, a failover) or is out of memory: what was taken stays in
        // flight and is taken again once it is back, so wait and go round again instead of
        // giving up the work.
        if (signal.aborted || !isRedisOutage(err)) throw err;
        passFailed = true;
        outages++;
        if (outages === 1) log(`Redis unavailable (${describeError(err)}); retrying`);
        await sleep(outageDelayMs(outages), signal);
      }
    }
  } catch (err) {
    if (signal.aborted && err instanceof RedisClosedError) end = "signal";
    else {
      const msg = err instanceof Error ? err.message : String(err);
      log(`Agent loop failed: ${msg}`);
      await releaseLease(store, agent.id).catch(() => {});
      await setFinalState(store, agent.id, "error", log, msg).catch(() => {});
      throw err;
    }
  }
  const final: AgentState = end === "closed" || end === "idle-timeout" ? "cold" : "stopped";
  // Lease first: once the record is terminal and pid-less, a restart may start a new loop,
  // whose lease this must not delete.
  await releaseLease(store, agent.id).catch(() => {});
  if (end !== "gone") {
    await setFinalState(store, agent.id, final, log).catch((err) => {
      if (!signal.aborted) throw err;
      log(`Could not record the final state (${describeError(err)})`);
    });
  }
  log(`Agent ${agent.name} finished (${end}) after ${round} round(s)`);
  return end;
}

/** Idle bookkeeping; returns true when the idle timeout has been reached. */
async function goIdle(store: Store, agent: Agent, idleTimeoutSecs: number, leaseSecs: number) {
  const now = new Date();
  const next: Agent = { ...agent, lastHeartbeat: now };
  if (agent.currentTask) {
    const task = await store.tasks.get(agent.currentTask);
    if (!task || isTaskTerminal(task.state)) delete next.currentTask;
  }
  if (agent.state !== "idle") {
    next.state = "idle";
    next.lastActiveAt = now;
  }
  const idleFor = (now.getTime() - next.lastActiveAt.getTime()) / 1000;
  if (idleTimeoutSecs > 0 && !next.currentTask && idleFor >= idleTimeoutSecs) {
    next.state = "draining";
    const drained = await store.agents.updateIfState(next, [
      "state",
      "lastHeartbeat",
      "currentTask",
    ], [
      "idle",
      "starting",
      "working",
    ]);
    // Paused, stopped or closed meanwhile: that command's state stands; look again next pass.
    if (drained !== "written") return false;
    await store.activity.add(
      agent.id,
      `🔻 Idle timeout reached after ${idleTimeoutSecs}s; draining and stopping`,
    );
    return true;
  }
  const wrote = await store.agents.updateIfState(
    next,
    ["state", "lastActiveAt", "lastHeartbeat", "currentTask"],
    ["idle", "starting", "working"],
  );
  if (wrote === "written" && agent.state !== "idle") {
    await store.events.emit(stateChanged(agent, "idle"));
  }
  await renewLease(store, agent.id, leaseSecs, false);
  return false;
}

async function markIdle(store: Store, agent: Agent): Promise<void> {
  const now = new Date();
  await store.agents.updateIfState(
    { ...agent, state: "idle", lastActiveAt: now, lastHeartbeat: now },
    ["state", "lastActiveAt", "lastHeartbeat"],
    ["idle", "starting", "working"],
  );
}

/** After a round: count it, go back to idle (unless paused or closing meanwhile). */
async function finishRound(store: Store, agentId: string): Promise<void> {
  const agent = await store.agents.get(agentId);
  if (!agent) return;
  const now = new Date();
  const next: Agent = { ...agent, roundsCompleted: agent.roundsCompleted + 1, lastHeartbeat: now };
  if (agent.currentTask) {
    const task = await store.tasks.get(agent.currentTask);
    if (!task || isTaskTerminal(task.state)) delete next.currentTask;
  }
  await store.agents.update(next, ["roundsCompleted", "lastHeartbeat", "currentTask"]);
  const idle = await store.agents.updateIfState({ ...next, state: "idle", lastActiveAt: now }, [
    "state",
    "lastActiveAt",
  ], [
    "working",
  ]);
  if (idle === "written") await store.events.emit(stateChanged(agent, "idle"));
}

async function setFinalState(
  store: Store,
  agentId: string,
  state: AgentState,
  log: (line: string) => void,
  error?: string,
): Promise<void> {
  const agent = await store.agents.get(agentId);
  if (!agent) return;
  const next: Agent = { ...agent, state, lastHeartbeat: new Date() };
  delete next.pid;
  if (error) next.lastError = error;
  await store.agents.update(next, [
    "state",
    "lastHeartbeat",
    "pid",
    ...(error ? ["lastError" as const] : []),
  ]);
  if (agent.state !== state) await store.events.emit(stateChanged(agent, state));
  log(
    `State ${stateDisplayName(agent.state)} -> ${
      stateDisplayName(state)
    }: ${agent.roundsCompleted} rounds, ${agent.tasksCompleted} tasks`,
  );
}

/** Blocks until a message arrives in the inbox (moved into flight), a second passes, or stop. */
async function waitForWork(
  store: Store,
  blocking: RedisClient,
  agentId: string,
  signal: AbortSignal,
) {
  try {
    await store.mailbox.waitForMessage(blocking, agentId, WAIT_SECS, { signal });
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}
