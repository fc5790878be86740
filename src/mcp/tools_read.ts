/** The read group (townhall.md §8.3, all `readOnlyHint`): town status, agents, inboxes, backlog. */
import { z } from "zod";
import * as backlog from "../service/backlog.ts";
import * as mailbox from "../service/mailbox.ts";
import * as pending from "../service/task_pending.ts";
import * as overview from "../service/town.ts";
import {
  agentFullObject,
  backlogEntryObject,
  pendingTaskObject,
  townObject,
} from "../service/wire.ts";
import { isTerminalState } from "../model/agent.ts";
import { tool, type ToolDef } from "./tool_kit.ts";
import { MISSION_READ_TOOLS } from "./tools_mission.ts";

export const READ_TOOLS: readonly ToolDef[] = [
  tool({
    name: "town.get_status",
    description: "The town's name, folder, Redis URL and every agent with its mailbox sizes",
    group: "read",
    run: async (_args, { ctx }) =>
      townObject(overview.info(ctx), (await overview.agentsOverview(ctx)).map(agentFullObject)),
  }),
  tool({
    name: "agent.list",
    description: "Every agent with its state, counters and mailbox sizes",
    group: "read",
    run: async (_args, { ctx }) => (await overview.agentsOverview(ctx)).map(agentFullObject),
  }),
  tool({
    name: "agent.list_open",
    description: "Agents not in a terminal state (stopped, error, cold)",
    group: "read",
    run: async (_args, { ctx }) =>
      (await overview.agentsOverview(ctx)).filter((o) => !isTerminalState(o.agent.state))
        .map(agentFullObject),
  }),
  tool({
    name: "agent.inbox",
    description: "The first 100 waiting messages of an agent's inbox (nothing is consumed)",
    group: "read",
    input: { agent: z.string().describe("Agent name, nickname, id or conductor") },
    run: async ({ agent }, { ctx }) => {
      const s = await mailbox.summary(ctx, agent);
      return {
        agent,
        agent_id: s.agentId,
        messages: s.messages.map((m) => ({ ...m, urgent: false })),
        total_messages: s.total,
        urgent_messages: s.urgent,
      };
    },
  }),
  tool({
    name: "task.list_pending",
    description: "Tasks waiting in the agents' inboxes",
    group: "read",
    run: async (_args, { ctx }) => (await pending.listPending(ctx)).map(pendingTaskObject),
  }),
  tool({
    name: "backlog.list",
    description: "The backlog in order",
    group: "read",
    run: async (_args, { ctx }) =>
      (await backlog.list(ctx)).map((item) => backlogEntryObject(item.id, item.task)),
  }),
  ...MISSION_READ_TOOLS,
];
