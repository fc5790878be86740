/**
 * TownService: what the town looks like right now for a face (REST `/v1/town`, `/v1/status`,
 * MCP `town.get_status`): its identity, and every agent with its mailbox sizes and the task it
 * is on. Reads only.
 */
import type { Agent } from "../model/agent.ts";
import type { TownContext } from "./context.ts";

/** The town's identity. */
export interface TownInfo {
  name: string;
  /** The town folder, absolute. */
  root: string;
  /** The Redis URL with any password masked. */
  redisUrl: string;
}

/** One agent with what its mailbox holds. */
export interface AgentOverview {
  agent: Agent;
  /** Regular inbox length. */
  inboxLen: number;
  /** Urgent list length. */
  urgentLen: number;
  /** The description of the task `current_task` names, when that task exists. */
  currentScope?: string;
}

/** The town's name, folder and (masked) Redis URL. */
export function info(ctx: TownContext): TownInfo {
  const { open } = ctx;
  return { name: open.name, root: open.root, redisUrl: open.redisUrl };
}

/** Every agent, oldest first, with its mailbox sizes and current task description. */
export async function agentsOverview(ctx: TownContext): Promise<AgentOverview[]> {
  const { store } = ctx;
  const agents = await store.agents.list();
  const [counts, tasks] = await Promise.all([
    store.mailbox.counts(agents.map((a) => a.id)),
    store.tasks.getMany(agents.flatMap((a) => (a.currentTask ? [a.currentTask] : []))),
  ]);
  const scope = new Map(tasks.flatMap((t) => (t ? [[t.id, t.description]] : [])));
  return agents.map((agent) => {
    const c = counts.get(agent.id)!;
    const currentScope = agent.currentTask ? scope.get(agent.currentTask) : undefined;
    return {
      agent,
      inboxLen: c.inbox,
      urgentLen: c.urgent,
      ...(currentScope !== undefined ? { currentScope } : {}),
    };
  });
}

/** Round trip of a PING to the town's Redis, in milliseconds; rejects when Redis fails. */
export async function ping(ctx: TownContext): Promise<number> {
  return await ctx.store.connections.ping();
}
