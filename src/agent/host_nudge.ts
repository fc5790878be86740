/** Telling an agent's loop host to look at its loops' flags now (kill, interrupt, resume...). */
import type { Agent } from "../model/agent.ts";
import type { Store } from "../store/store.ts";
import { isHostProcess } from "./host_files.ts";
import { WAKE_ITEM } from "./host_items.ts";
import { hostname } from "./liveness.ts";

/**
 * Queues a nudge for the host recorded on the agent (on this machine only when its pid is a
 * live host; on another machine its host reads the same queue). Without it the host still
 * sees the change at its next check, a few seconds later.
 */
export async function nudgeHost(store: Store, agent: Pick<Agent, "pid" | "host">): Promise<void> {
  if (!agent.pid) return;
  const here = !agent.host || agent.host === hostname();
  if (here && !isHostProcess(agent.pid)) return;
  await store.hosts.request(agent.host ?? hostname(), agent.pid, WAKE_ITEM);
}
