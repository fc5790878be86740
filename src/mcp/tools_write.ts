/** The write group (townhall.md §8.4): tasks, messages, backlog, and the mission-control tools. */
import { z } from "zod";
import * as backlog from "../service/backlog.ts";
import * as messages from "../service/messages.ts";
import * as tasks from "../service/tasks.ts";
import type { SendKind } from "../service/message_send.ts";
import { tool, type ToolDef } from "./tool_kit.ts";
import { MISSION_WRITE_TOOLS } from "./tools_mission.ts";
import { completeTask } from "./task_completion.ts";

const agentRef = z.string().describe("Agent name, nickname, id or conductor");
const KINDS: readonly string[] = ["task", "query", "info", "ack"];

export const WRITE_TOOLS: readonly ToolDef[] = [
  tool({
    name: "task.assign",
    description: "Assign a new task to an agent",
    group: "write",
    input: { agent: agentRef, description: z.string().describe("What to do") },
    run: async ({ agent, description }, { ctx }) => {
      const task = await tasks.assign(ctx, agent, description);
      return { agent_id: task.assignedTo ?? null, agent_name: agent, task_id: task.id };
    },
  }),
  tool({
    name: "task.complete",
    description: "Mark a task completed, with an optional result",
    group: "write",
    input: {
      task_id: z.string().describe("Task id (or a 4+ character prefix)"),
      result: z.string().nullish().describe("What was done"),
    },
    run: async ({ task_id, result }, { ctx }) => {
      const end = await completeTask(ctx, task_id, result ?? undefined);
      return {
        cleared_current_task: end.clearedCurrentTask,
        description: end.task.description,
        result: end.task.result ?? null,
        status: "completed",
        task_id: end.task.id,
        tasks_completed: end.tasksCompleted ?? null,
        mission_sync: end.missionSync
          ? {
            mission_id: end.missionSync.missionId,
            work_item_id: end.missionSync.itemId,
            outcome: end.missionSync.outcome,
          }
          : null,
      };
    },
  }),
  tool({
    name: "message.send",
    description: "Send a message to an agent or the conductor",
    group: "write",
    input: {
      to: agentRef,
      message: z.string(),
      from: z.string().nullish().describe("Sender reference (default: the calling agent)"),
      kind: z.string().default("task").describe("task, query, info or ack"),
      urgent: z.boolean().default(false),
    },
    run: async ({ to, message, from, kind, urgent }, { ctx }) => {
      const sent = await messages.send(ctx, to, message, {
        kind: (KINDS.includes(kind) ? kind : "task") as SendKind,
        urgent,
        ...(from ? { from } : {}),
      });
      return { message_id: sent.id, to_agent: sent.to, urgent: sent.urgent };
    },
  }),
  tool({
    name: "backlog.add",
    description: "Add an unassigned task to the backlog",
    group: "write",
    input: { description: z.string(), tags: z.array(z.string()).nullish() },
    run: async ({ description, tags }, { ctx }) => {
      const task = await backlog.add(ctx, description, tags ?? []);
      return { description: task.description, task_id: task.id };
    },
  }),
  tool({
    name: "backlog.claim",
    description: "Give a backlog task to an agent",
    group: "write",
    input: { task_id: z.string(), agent: agentRef },
    run: async ({ task_id, agent }, { ctx }) => {
      const task = await backlog.claim(ctx, task_id, agent);
      return { agent_id: task.assignedTo ?? null, agent_name: agent, task_id: task.id };
    },
  }),
  tool({
    name: "backlog.assign_all",
    description: "Give every backlog task to one agent",
    group: "write",
    input: { agent: agentRef },
    run: async ({ agent }, { ctx }) =>
      (await backlog.assignAll(ctx, agent)).map((t) => ({
        agent_id: t.assignedTo ?? null,
        agent_name: agent,
        task_id: t.id,
      })),
  }),
  tool({
    name: "backlog.remove",
    description: "Take a task out of the backlog and delete it",
    group: "write",
    input: { task_id: z.string() },
    run: async ({ task_id }, { ctx }) => {
      const task = await backlog.remove(ctx, task_id);
      return { removed: true, task_id: task.id };
    },
  }),
  ...MISSION_WRITE_TOOLS,
];
