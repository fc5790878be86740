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
  // Records and mailbox sizes in one request (status's overview, without inbox samples);
  // the current tasks' descriptions only when an agent has one.
  const { agents } = await store.overview.read({ sample: 0 });
  const current = agents.flatMap(({ agent: a }) => (a.currentTask ? [a.currentTask] : []));
  const tasks = current.length ? await store.tasks.getMany(current) : [];
  const scope = new Map(tasks.flatMap((t) => (t ? [[t.id, t.description]] : [])));
  return agents.map(({ agent, inbox, urgent }) => {
    const currentScope = agent.currentTask ? scope.get(agent.currentTask) : undefined;
    return {
      agent,
      inboxLen: inbox,
      urgentLen: urgent,
      ...(currentScope !== undefined ? { currentScope } : {}),
    };
  });
}

/** Round trip of a PING to the town's Redis, in milliseconds; rejects when Redis fails. */
export async function ping(ctx: TownContext): Promise<number> {
  return await ctx.store.connections.ping();
}
