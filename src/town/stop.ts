/**
 * `tt stop`: stop every agent (their loops are signalled and given time to put their
 * messages back), then the town's redis-server.
 */
import { killAgent } from "../agent/control.ts";
import { isTerminalState } from "../model/agent.ts";
import { isAlive } from "../process.ts";
import { stopServer } from "../redis/server.ts";
import { openStore } from "../store/store.ts";
import { loadTownConfig } from "./config.ts";
import { type Env, processEnv } from "./env.ts";
import { townPaths } from "./paths.ts";
import { managedServer, openTown } from "./town.ts";

export interface StopResult {
  /** Agents that were running and were asked to stop. */
  agentsStopped: string[];
  /** Loops still running after the grace period (they were sent SIGKILL). */
  agentsKilled: string[];
  /** False for an external Redis, which tt never stops. */
  managed: boolean;
  /** True for the shared central server, which other towns use and tt leaves running. */
  central: boolean;
  /** True when a running server was stopped by this call. */
  stopped: boolean;
}

const LOOP_GRACE_MS = 10_000;

export async function stopTown(root: string, env: Env = processEnv): Promise<StopResult> {
  const config = await loadTownConfig(root);
  const server = managedServer(config, townPaths(root, config.redis), env);
  const result: StopResult = {
    agentsStopped: [],
    agentsKilled: [],
    managed: server !== undefined,
    central: config.useCentralRedis,
    stopped: false,
  };
  const pids = await stopAgents(root, env, result).catch(() => [] as [string, number][]);
  // Loops that run here get a grace period to finish settling their messages.
  const deadline = Date.now() + LOOP_GRACE_MS;
  while (pids.some(([, pid]) => isAlive(pid)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const [name, pid] of pids) {
    if (isAlive(pid)) {
      result.agentsKilled.push(name);
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // exited just now
      }
    }
  }
  if (server && !config.useCentralRedis) result.stopped = await stopServer(server);
  return result;
}

/** Kills every live agent; returns the pids of loops on this machine that were signalled. */
async function stopAgents(root: string, env: Env, result: StopResult): Promise<[string, number][]> {
  const town = await openTown(root, { start: false, env });
  try {
    const store = openStore(town.redis, town.name);
    const pids: [string, number][] = [];
    for (const agent of await store.agents.list()) {
      if (isTerminalState(agent.state) && !(agent.pid && isAlive(agent.pid))) continue;
      const r = await killAgent(store, agent.id);
      if (!isTerminalState(agent.state)) result.agentsStopped.push(agent.name);
      if (r.signalled && agent.pid) pids.push([agent.name, agent.pid]);
    }
    return pids;
  } finally {
    await town.close();
  }
}
