/**
 * The Anthropic Messages API for a Claude Code that has tt as an MCP server: the scripted
 * model completes the task by calling tt's `task.complete` MCP tool (as Claude Code presents
 * it, `mcp__<server>__<tool>`) instead of the Bash tool. Everything else (side calls, token
 * counts, the model list, the wire format) is the plain Anthropic protocol's.
 */
import {
  anthropicProtocol,
  type ContentBlock,
  lastToolResult,
  type MessagesRequest,
  reply,
} from "./model_anthropic.ts";
import {
  extractTaskId,
  type ModelProtocol,
  type ProtocolAnswer,
  type ScriptContext,
  SCRIPTED_FINAL_TEXT,
  SCRIPTED_RESULT,
} from "./model_server.ts";

/** The tool names Claude Code offered, per request, for the test to inspect. */
export const offeredTools: string[][] = [];

/** tt's completion tool among the offered ones: `mcp__{server}__task.complete` or sanitised. */
export function completionTool(tools: readonly string[], server: string): string | undefined {
  return tools.find((n) => n.startsWith(`mcp__${server}__`) && /task[._]complete$/.test(n));
}

/** The protocol for an MCP server named `server` in Claude Code's MCP config. */
export function anthropicMcpProtocol(server: string): ModelProtocol {
  return {
    name: "anthropic-mcp",
    handles: anthropicProtocol.handles,
    answer(ctx: ScriptContext): ProtocolAnswer | Promise<ProtocolAnswer> {
      const path = ctx.request.path.split("?")[0];
      const req = (ctx.request.json ?? {}) as MessagesRequest;
      if (path !== "/v1/messages" || ctx.mode === "error") return anthropicProtocol.answer(ctx);
      const names = (req.tools ?? []).flatMap((t) => (t.name ? [t.name] : []));
      offeredTools.push(names);
      const tool = completionTool(names, server);
      if (!tool) return anthropicProtocol.answer(ctx); // a side call, or no MCP tool offered
      const toolResult = lastToolResult(req);
      if (toolResult !== undefined) {
        return {
          reply: "final_text",
          toolResult,
          response: reply(req, [{ type: "text", text: SCRIPTED_FINAL_TEXT }], "end_turn"),
        };
      }
      const taskId = extractTaskId(ctx.request.body);
      if (taskId === undefined) {
        return {
          reply: "final_text",
          response: reply(req, [{ type: "text", text: SCRIPTED_FINAL_TEXT }], "end_turn"),
        };
      }
      const block: ContentBlock = {
        type: "tool_use",
        id: `toolu_scripted_${crypto.randomUUID().slice(0, 8)}`,
        name: tool,
        input: { task_id: taskId, result: SCRIPTED_RESULT },
      };
      return { reply: "tool_call", taskId, response: reply(req, [block], "tool_use") };
    },
  };
}
