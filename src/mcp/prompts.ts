/**
 * Prompts (townhall.md §8.6): the conductor's start-up context from the town's state, and a
 * role hint for an agent from its name and tags.
 */
import { z } from "zod";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { GetPromptResult } from "@modelcontextprotocol/sdk/types.js";
import { stateDisplayName } from "../model/agent.ts";
import { contextOf } from "../lib/context.ts";
import type { Town } from "../lib/town.ts";
import type { TownContext } from "../service/context.ts";
import * as backlog from "../service/backlog.ts";
import * as overview from "../service/town.ts";

function userMessage(description: string, text: string): GetPromptResult {
  return { description, messages: [{ role: "user", content: { type: "text", text } }] };
}

const MAIN_TOOLS = [
  "town.get_status",
  "agent.list",
  "agent.spawn",
  "agent.kill",
  "task.assign",
  "task.complete",
  "message.send",
  "backlog.list / backlog.add / backlog.claim",
  "mission.*",
  "recovery.*",
];

/** The conductor's start-up context: the town, its agents, the backlog, the main tools. */
export async function conductorContext(ctx: TownContext): Promise<string> {
  const lines = ["# Tinytown conductor context", ""];
  try {
    const info = overview.info(ctx);
    const agents = await overview.agentsOverview(ctx);
    lines.push(`## Town: ${info.name}`, "", `- Root: ${info.root}`, `- Agents: ${agents.length}`);
    if (agents.length > 0) lines.push("", "### Agents");
    for (const o of agents) {
      const a = o.agent;
      lines.push(
        `- **${a.name}** (${a.cli}) — ${stateDisplayName(a.state)}, ` +
          `${a.roundsCompleted} rounds, inbox ${o.inboxLen}`,
      );
    }
  } catch {
    // The status read failed: the rest of the context still helps.
  }
  try {
    const items = await backlog.list(ctx);
    if (items.length > 0) lines.push("", "### Backlog");
    for (const i of items) {
      const tags = i.task?.tags.length ? ` [${i.task.tags.join(", ")}]` : "";
      lines.push(`- ${i.task?.description ?? "(task record not found)"}${tags}`);
    }
  } catch {
    // As above.
  }
  lines.push("", "## MCP tools", "", ...MAIN_TOOLS.map((t) => `- \`${t}\``));
  lines.push(
    "",
    "## Supervising",
    "",
    "- Give work with `task.assign` or put it on the backlog with `backlog.add`; agents claim " +
      "matching backlog tasks between assignments.",
    "- Watch for queries from agents in the conductor inbox (`agent.inbox` with `conductor`) " +
      "and answer them with `message.send`.",
    "- Step in for staffing (spawn, kill, restart), blockers and scope changes; " +
      "`recovery.recover_agents` and `recovery.reclaim_tasks` put a dead agent's work back.",
  );
  return lines.join("\n");
}

const FOCUS: ReadonlyArray<[RegExp, string]> = [
  [/backend|api/, "backend work: prioritise tasks tagged backend, api, server, database"],
  [/frontend|ui/, "frontend work: prioritise tasks tagged frontend, ui, web, components"],
  [/test|qa/, "testing: prioritise tasks tagged test, qa, validation"],
  [/review/, "code review: prioritise tasks tagged review, pr, feedback"],
  [/supervisor|conductor/, "orchestration: coordinate the other agents and keep work moving"],
];

/** A role hint from the agent's name (first matching bucket) and optional tag filters. */
export function roleHint(agentName: string | undefined, tags: string | undefined): string {
  const name = agentName ?? "agent";
  const focus = FOCUS.find(([re]) => re.test(name.toLowerCase()))?.[1] ??
    "general work: handle your assignments and claim matching backlog tasks";
  const lines = [`# Role hint for ${name}`, "", `Focus: ${focus}.`];
  if (tags !== undefined) {
    const list = tags.split(",").map((t) => t.trim()).filter((t) => t !== "");
    lines.push("", "## Tag Filters", "", ...list.map((t) => `- ${t}`));
    lines.push("", "Prefer backlog tasks whose tags match these.");
  }
  return lines.join("\n");
}

export function definePrompts(server: McpServer, town: Town): void {
  const ctx = contextOf(town);
  server.registerPrompt("conductor.startup_context", {
    description: "Conductor start-up context with town state and operations",
  }, async () =>
    userMessage(
      "Conductor start-up context with town state and operations",
      await conductorContext(ctx),
    ));
  server.registerPrompt(
    "agent.role_hint",
    {
      description: "A focus for an agent from its name and tags",
      argsSchema: {
        agent_name: z.string().describe("The agent's name"),
        tags: z.string().optional().describe("Comma-separated tags"),
      },
    },
    ({ agent_name, tags }: { agent_name: string; tags?: string }) =>
      userMessage(`Role hint for ${agent_name}`, roleHint(agent_name, tags)),
  );
}
