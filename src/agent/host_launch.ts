/**
 * `tt spawn` / `tt restart` handing a loop to the town's loop host on this machine (host.ts),
 * or starting that host when none runs: `tt --town <root> agent-host <key> <name> <id>
 * <rounds>`, detached like a loop, with the first loop on its command line.
 */
import { envVar } from "../town/env.ts";
import type { Store } from "../store/store.ts";
import type { Town } from "../town/town.ts";
import { hostFiles, hostKey, liveHostPid, writeHostPid } from "./host_files.ts";
import { startItem, type StartRequest } from "./host_items.ts";
import { launchAgentLoop } from "./launch.ts";
import { hostname } from "./liveness.ts";

/** Set to `off` to give each loop its own process again (`tt agent-loop`), as before hosts. */
export const LOOP_HOST_ENV = "TT_LOOP_HOST";

export function hostsEnabled(): boolean {
  return envVar(LOOP_HOST_ENV) !== "off";
}

/** Runs the loop in this machine's host for the town (started if need be); returns its pid. */
export async function startInHost(town: Town, store: Store, req: StartRequest): Promise<number> {
  const key = hostKey();
  const item = startItem(req);
  for (let attempt = 0; attempt < 3; attempt++) {
    const pid = await liveHostPid(town.paths, key);
    if (pid === undefined) break;
    await store.hosts.request(hostname(), pid, item);
    // A host removes its pid file before its last look at its queue: still there after the
    // request went in, the host takes it; gone, the host took it only if it is not queued.
    if ((await liveHostPid(town.paths, key)) === pid) return pid;
    if ((await store.hosts.withdraw(hostname(), pid, item)) === 0) return pid;
  }
  await Deno.mkdir(hostFiles(town.paths, key).dir, { recursive: true, mode: 0o700 });
  const pid = await launchAgentLoop({
    root: town.root,
    name: req.name,
    id: req.id,
    maxRounds: req.maxRounds,
    subcommand: ["agent-host", key],
    logFile: hostFiles(town.paths, key).logFile,
  });
  // The host writes it too; written here, the next spawn finds it before the host is up.
  await writeHostPid(town.paths, key, pid);
  return pid;
}
