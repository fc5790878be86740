/**
 * An agent CLI whose loop died keeps running in its own session. The loop records the CLI's
 * pid (= its process group) on the agent; `tt recover` and `tt kill` end it with this.
 */
import { lazyImport } from "../lazy.ts";
import type { Agent } from "../model/agent.ts";
import { isAlive } from "../process.ts";
import { hostname } from "../agent/liveness.ts";

/** Ends the agent's recorded CLI process group, if it still runs here; true when it did. */
export async function endOrphanCli(agent: Agent, graceMs = 3000): Promise<boolean> {
  const pid = agent.cliPid;
  if (!pid || (agent.host && agent.host !== hostname())) return false;
  if (!isAlive(pid) || !runsFor(pid, agent.id)) return false;
  // The runner (and its node:child_process) is only loaded when there is something to end.
  const { terminateGroup } = await lazyImport<typeof import("../agent/runner.ts")>(
    "src/agent/runner.ts",
  );
  await terminateGroup(pid, graceMs);
  return true;
}

/** Guards against a recycled pid: the process must carry this agent's id in its environment. */
function runsFor(pid: number, agentId: string): boolean {
  if (Deno.build.os !== "linux") return true;
  try {
    return Deno.readTextFileSync(`/proc/${pid}/environ`).split("\0").includes(
      `TINYTOWN_AGENT_ID=${agentId}`,
    );
  } catch {
    return false;
  }
}
