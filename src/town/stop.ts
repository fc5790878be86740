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
import { sleep } from "../sleep.ts";

/** What stopping a town did. */
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
  // Without Redis (it crashed) the loops still run here, retrying: find them by command line.
  const pids = await stopAgents(root, env, result).catch(() => signalLocalLoops(root, result));
  // Loops that run here get a grace period to finish settling their messages.
  const deadline = Date.now() + LOOP_GRACE_MS;
  while (pids.some(([, pid]) => isAlive(pid)) && Date.now() < deadline) {
    await sleep(50);
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

/**
 * Signals the agent loops of this town running on this machine, found by the command line
 * `tt spawn` gives them (`--town <root> agent-loop <name> <id> <rounds>`). Linux only.
 */
async function signalLocalLoops(root: string, result: StopResult): Promise<[string, number][]> {
  const town = await Deno.realPath(root).catch(() => root);
  const pids: [string, number][] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir("/proc"));
  } catch {
    return pids;
  }
  for (const entry of entries) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    let argv: string[];
    try {
      argv = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
    } catch {
      continue;
    }
    const at = argv.indexOf("agent-loop");
    if (at < 2 || argv[at - 2] !== "--town" || argv[at - 1] !== town || !argv[at + 1]) continue;
    try {
      Deno.kill(pid, "SIGTERM");
    } catch {
      continue; // exited just now
    }
    result.agentsStopped.push(argv[at + 1]);
    pids.push([argv[at + 1], pid]);
  }
  return pids;
}
