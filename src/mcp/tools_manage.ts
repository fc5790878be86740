/**
 * The management group (townhall.md §8.4): agent lifecycle and recovery. `agent.spawn` and
 * `agent.restart` start the real agent loop, as `tt spawn` and `tt restart` do.
 */
import { z } from "zod";
import * as agents from "../service/agents.ts";
import * as waiting from "../service/agent_wait.ts";
import * as reclaiming from "../service/reclaim.ts";
import * as recovery from "../service/recovery.ts";
import { tool, type ToolDef } from "./tool_kit.ts";
import { agentBrief, agentStatus, displayTime } from "./views.ts";

const agentRef = z.string().describe("Agent name, nickname, id or conductor");

export const MANAGE_TOOLS: readonly ToolDef[] = [
  tool({
    name: "agent.spawn",
    description: "Register an agent and start its loop (as tt spawn)",
    group: "manage",
    input: {
      name: z.string().describe("Canonical agent name"),
      cli: z.string().nullish().describe("CLI name or command (default: the town's)"),
      role_id: z.string().nullish(),
      nickname: z.string().nullish(),
      parent_agent: z.string().nullish().describe("Parent agent reference or id"),
    },
    run: async ({ name, cli, role_id, nickname, parent_agent }, { ctx }) => {
      const { agent } = await agents.spawn(ctx, {
        name,
        ...(cli ? { cli } : {}),
        ...(role_id ? { role: role_id } : {}),
        ...(nickname ? { nickname } : {}),
        ...(parent_agent ? { parent: parent_agent } : {}),
      });
      return {
        agent_id: agent.id,
        cli: agent.cli,
        name: agent.name,
        nickname: agent.nickname ?? null,
        parent_agent_id: agent.parentAgentId ?? null,
        role_id: agent.roleId ?? null,
      };
    },
  }),
  tool({
    name: "agent.kill",
    description: "Stop an agent now (its running CLI is ended)",
    group: "manage",
    input: { agent: agentRef },
    run: async ({ agent }, { ctx }) => {
      await agents.kill(ctx, agent);
      return agentStatus(agent, "stopped");
    },
  }),
  tool({
    name: "agent.interrupt",
    description: "Pause an agent",
    group: "manage",
    input: { agent: agentRef },
    run: async ({ agent }, { ctx }) => {
      await agents.interrupt(ctx, agent);
      return agentStatus(agent, "paused");
    },
  }),
  tool({
    name: "agent.wait",
    description: "Wait until an agent has stopped, or the timeout passes",
    group: "manage",
    readOnly: true,
    input: { agent: agentRef, timeout_secs: z.number().int().min(0).nullish() },
    run: async ({ agent, timeout_secs }, { ctx, signal }) => {
      const a = await waiting.wait(ctx, agent, {
        signal,
        ...(timeout_secs != null ? { timeoutMs: timeout_secs * 1000 } : {}),
      });
      return {
        agent,
        rounds_completed: a.roundsCompleted,
        state: a.state,
        tasks_completed: a.tasksCompleted,
      };
    },
  }),
  tool({
    name: "agent.resume",
    description: "Resume a paused agent",
    group: "manage",
    input: { agent: agentRef },
    run: async ({ agent }, { ctx }) => {
      await agents.resume(ctx, agent);
      return agentStatus(agent, "resumed");
    },
  }),
  tool({
    name: "agent.close",
    description: "Let an agent finish its round, then stop",
    group: "manage",
    input: { agent: agentRef },
    run: async ({ agent }, { ctx }) => {
      await agents.close(ctx, agent);
      return agentStatus(agent, "draining");
    },
  }),
  tool({
    name: "agent.restart",
    description: "Start a new loop for a stopped agent (as tt restart)",
    group: "manage",
    input: { agent: agentRef },
    run: async ({ agent }, { ctx }) => {
      await agents.restart(ctx, agent);
      return agentStatus(agent, "restarted");
    },
  }),
  tool({
    name: "agent.prune",
    description: "Remove stopped and errored agents (every agent with all)",
    group: "manage",
    input: { all: z.boolean().default(false) },
    run: async ({ all }, { ctx }) => {
      const r = await agents.prune(ctx, { all });
      return { agents: r.removed.map(agentBrief), removed: r.removed.length };
    },
  }),
  tool({
    name: "agent.get_result",
    description: "The result of the agent's most recently completed task",
    group: "manage",
    readOnly: true,
    input: { agent: agentRef },
    run: async ({ agent }, { ctx }) => {
      const task = await waiting.lastResult(ctx, agent);
      if (!task) return { agent, message: "No completed tasks found for this agent", result: null };
      return {
        agent,
        completed_at: task.completedAt ? displayTime(task.completedAt) : null,
        description: task.description,
        result: task.result ?? null,
        task_id: task.id,
      };
    },
  }),
  tool({
    name: "recovery.recover_agents",
    description: "Recover agents whose loop died",
    group: "manage",
    run: async (_args, { ctx }) => {
      const r = await recovery.recover(ctx);
      return {
        agents_checked: r.checked,
        agents_recovered: r.recovered.length,
        recovered_agents: r.recovered.map(({ agent }) => ({ id: agent.id, name: agent.name })),
      };
    },
  }),
  tool({
    name: "recovery.reclaim_tasks",
    description: "Move dead agents' tasks to the backlog or another agent",
    group: "manage",
    input: {
      to_backlog: z.boolean().default(false),
      to_agent: z.string().nullish(),
      from_agent: z.string().nullish(),
    },
    run: async ({ to_backlog, to_agent, from_agent }, { ctx }) => {
      const r = await reclaiming.reclaim(ctx, {
        toBacklog: to_backlog,
        ...(to_agent ? { to: to_agent } : {}),
        ...(from_agent ? { from: from_agent } : {}),
      });
      return { destination: r.destination, tasks_reclaimed: r.reclaimed };
    },
  }),
];
