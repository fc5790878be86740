/**
 * `tt stop`: stop every agent (their loops are signalled and given time to put their
 * messages back), then the town's redis-server.
 */
import {
  type LoopsStopped,
  reapLoops,
  signalAgents,
  type SignalledLoop,
} from "./agent_stop_loops.ts";
import { isHostKey, readHostAgents } from "../agent/host_files.ts";
import { stopServer } from "../redis/server.ts";
import { openStore, type Store } from "../store/store.ts";
import { loadTownConfig } from "../town/config.ts";
import { type Env, processEnv } from "../town/env.ts";
import { townPaths } from "../town/paths.ts";
import { managedServer, openTown } from "../town/town.ts";

/** What stopping a town did (agents stopped and killed, and the server). */
export interface StopResult extends LoopsStopped {
  /** False for an external Redis, which tt never stops. */
  managed: boolean;
  /** True for the shared central server, which other towns use and tt leaves running. */
  central: boolean;
  /** True when a running server was stopped by this call. */
  stopped: boolean;
}

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
  const town = await openTown(root, { start: false, env }).catch(() => undefined);
  try {
    const store: Store | undefined = town && openStore(town.redis, town.name);
    // Without Redis (it crashed) the loops still run here, retrying: find them by command line.
    let loops: SignalledLoop[];
    try {
      if (!store) throw new Error("no Redis");
      loops = await signalAgents(store, result);
    } catch {
      loops = await signalLocalLoops(root, result);
    }
    await reapLoops(loops, result, undefined, store);
  } finally {
    await town?.close();
  }
  if (server && !config.useCentralRedis) result.stopped = await stopServer(server);
  return result;
}

/**
 * Signals the agent loops of this town running on this machine, found by the command line
 * `tt spawn` gives them (`--town <root> agent-loop <name> <id> <rounds>`). Linux only.
 */
async function signalLocalLoops(root: string, result: LoopsStopped): Promise<SignalledLoop[]> {
  const town = await Deno.realPath(root).catch(() => root);
  const pids: SignalledLoop[] = [];
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
    // A loop host (`agent-host <key> <first agent's name> …`) stops every loop it runs.
    const at = Math.max(argv.indexOf("agent-loop"), argv.indexOf("agent-host"));
    if (at < 2 || argv[at - 2] !== "--town" || argv[at - 1] !== town || !argv[at + 1]) continue;
    // Read before the signal: a host rewrites its list as its loops end.
    const names = argv[at] === "agent-host"
      ? hostedAgents(root, argv[at + 1], pid)
      : [argv[at + 1]];
    try {
      Deno.kill(pid, "SIGTERM");
    } catch {
      continue; // exited just now
    }
    result.agentsStopped.push(...names);
    for (const name of names) pids.push({ name, pid });
  }
  return pids;
}

/** The agents a loop host said it runs (its files under .tt/hosts), or the host itself. */
function hostedAgents(root: string, key: string, pid: number): string[] {
  const names = isHostKey(key) ? readHostAgents(townPaths(root), key) : [];
  return names.length ? names : [`loop host ${pid}`];
}
