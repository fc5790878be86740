/**
 * The Anthropic Messages API for a Claude Code that has tt as an MCP server: the scripted
 * model completes the task by calling tt's `task.complete` MCP tool (as Claude Code presents
 * it, `mcp__<server>__<tool>`) instead of the Bash tool. Everything else (side calls, token
 * counts, the model list, the wire format) is the plain Anthropic protocol's.
 */
import { anthropicProtocol } from "./model_anthropic.ts";
import {
  extractTaskId,
  jsonResponse,
  type ModelProtocol,
  type ProtocolAnswer,
  type ScriptContext,
  SCRIPTED_FINAL_TEXT,
  SCRIPTED_RESULT,
  sseResponse,
} from "./model_server.ts";

interface MessagesRequest {
  model?: string;
  stream?: boolean;
  tools?: { name?: string }[];
  messages?: { role?: string; content?: unknown }[];
}

/** The tool names Claude Code offered, per request, for the test to inspect. */
export const offeredTools: string[][] = [];

/** tt's completion tool among the offered ones: `mcp__{server}__task.complete` or sanitised. */
export function completionTool(tools: readonly string[], server: string): string | undefined {
  return tools.find((n) => n.startsWith(`mcp__${server}__`) && /task[._]complete$/.test(n));
}

function lastToolResult(req: MessagesRequest): string | undefined {
  let found: string | undefined;
  for (const m of req.messages ?? []) {
    if (!Array.isArray(m.content)) continue;
    for (const block of m.content as { type?: unknown; content?: unknown }[]) {
      if (block?.type !== "tool_result") continue;
      const c = block.content;
      found = typeof c === "string"
        ? c
        : Array.isArray(c)
        ? c.map((part) => (part as { text?: unknown })?.text ?? "").join("")
        : "";
    }
  }
  return found;
}

function streamed(model: string, block: Record<string, unknown>, stop: string): Response {
  const message = {
    id: `msg_scripted_${crypto.randomUUID().slice(0, 8)}`,
    type: "message",
    role: "assistant",
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 10 },
  };
  const start = block.type === "text" ? { type: "text", text: "" } : { ...block, input: {} };
  const delta = block.type === "text"
    ? { type: "text_delta", text: block.text }
    : { type: "input_json_delta", partial_json: JSON.stringify(block.input) };
  return sseResponse([
    ["message_start", { type: "message_start", message }],
    ["content_block_start", { type: "content_block_start", index: 0, content_block: start }],
    ["content_block_delta", { type: "content_block_delta", index: 0, delta }],
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    ["message_delta", {
      type: "message_delta",
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: 10 },
    }],
    ["message_stop", { type: "message_stop" }],
  ]);
}

function reply(req: MessagesRequest, block: Record<string, unknown>, stop: string): Response {
  const model = req.model ?? "claude-scripted";
  if (req.stream === true) return streamed(model, block, stop);
  return jsonResponse({
    id: `msg_scripted_${crypto.randomUUID().slice(0, 8)}`,
    type: "message",
    role: "assistant",
    model,
    content: [block],
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 10 },
  });
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
          response: reply(req, { type: "text", text: SCRIPTED_FINAL_TEXT }, "end_turn"),
        };
      }
      const taskId = extractTaskId(ctx.request.body);
      if (taskId === undefined) {
        return {
          reply: "final_text",
          response: reply(req, { type: "text", text: SCRIPTED_FINAL_TEXT }, "end_turn"),
        };
      }
      const block = {
        type: "tool_use",
        id: `toolu_scripted_${crypto.randomUUID().slice(0, 8)}`,
        name: tool,
        input: { task_id: taskId, result: SCRIPTED_RESULT },
      };
      return { reply: "tool_call", taskId, response: reply(req, block, "tool_use") };
    },
  };
}
