/**
 * Recovery as the townhall faces report it (MCP `recovery.recover_agents`,
 * `recovery.reclaim_tasks`): `tt recover` with the number of agents checked, and `tt reclaim`
 * with the reference's destination wording and a count of task messages moved.
 */
import { reclaimInboxes } from "./reclaim_inboxes.ts";
import { recoverAgents } from "./recover_agents.ts";
import type { Agent } from "../model/agent.ts";
import type { TownContext } from "./context.ts";

/** What `recover` looked at and changed. */
export interface RecoverReport {
  checked: number;
  /** The recovered agents as they were before. */
  recovered: Agent[];
}

/** `tt recover`: agents whose loop is gone get their unfinished work put back. */
export async function recoverReport(ctx: TownContext): Promise<RecoverReport> {
  const r = await recoverAgents(ctx.store, {
    leaseSecs: ctx.open.config.agent.leaseSecs,
    townPaths: ctx.open.paths,
  });
  return { checked: r.checked, recovered: r.recovered.map((x) => x.agent) };
}

/** What `reclaim` moved. */
export interface ReclaimReport {
  /** `Backlog`, `Agent("{to}")` or `Listed` (the reference's wording). */
  destination: string;
  /** Task messages moved (or listed). */
  reclaimed: number;
}

/** `tt reclaim`: the dead agents' task messages to the backlog, to an agent, or listed. */
export async function reclaimReport(
  ctx: TownContext,
  opts: { toBacklog?: boolean; to?: string; from?: string } = {},
): Promise<ReclaimReport> {
  const r = await reclaimInboxes(ctx.store, opts);
  const counted = r.agents.flatMap((a) => a.messages).filter((m) =>
    (m.message?.body.type === "task_assign" || m.message?.body.type === "task") &&
    (r.listOnly ? m.outcome === "listed" : m.outcome === "to_backlog" || m.outcome === "to_agent")
  );
  const destination = r.toBacklog
    ? "Backlog"
    : opts.to !== undefined
    ? `Agent("${opts.to}")`
    : "Listed";
  return { destination, reclaimed: counted.length };
}
