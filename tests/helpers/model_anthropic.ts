/**
 * The Anthropic Messages API as Claude Code uses it, for the scripted model server: streaming
 * `POST /v1/messages` (SSE), the same without streaming, `count_tokens` and the model list.
 * The shell tool is Claude Code's `Bash` (input `{command, description}`).
 */
import {
  jsonResponse,
  type ModelProtocol,
  type ProtocolAnswer,
  type ScriptContext,
  SCRIPTED_ERROR,
  SCRIPTED_FINAL_TEXT,
  scriptStep,
  sseResponse,
} from "./model_server.ts";

/** The parts of a Messages request the scripted model reads. */
export interface MessagesRequest {
  model?: string;
  stream?: boolean;
  tools?: { name?: string }[];
  messages?: { role?: string; content?: unknown }[];
}

export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

/** The text of the last `tool_result` block in the conversation, if any. */
export function lastToolResult(req: MessagesRequest): string | undefined {
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

/** The agent's own turn offers the Bash tool; side calls (titles, quota checks) do not. */
function offersBash(req: MessagesRequest): boolean {
  return (req.tools ?? []).some((t) => t.name === "Bash");
}

function message(model: string, content: ContentBlock[], stopReason: string) {
  return {
    id: `msg_scripted_${crypto.randomUUID().slice(0, 8)}`,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 10 },
  };
}

/** The SSE events Claude Code's streaming client expects for one message. */
function streamEvents(
  model: string,
  content: ContentBlock[],
  stopReason: string,
): [string, unknown][] {
  const start = { ...message(model, [], stopReason), stop_reason: null };
  const events: [string, unknown][] = [["message_start", {
    type: "message_start",
    message: start,
  }]];
  content.forEach((block, index) => {
    if (block.type === "text") {
      events.push(["content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "text", text: "" },
      }]);
      events.push(["content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "text_delta", text: block.text },
      }]);
    } else {
      events.push(["content_block_start", {
        type: "content_block_start",
        index,
        content_block: { ...block, input: {} },
      }]);
      events.push(["content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
      }]);
    }
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
  });
  events.push(["message_delta", {
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: 10 },
  }]);
  events.push(["message_stop", { type: "message_stop" }]);
  return events;
}

/** One assistant message, streamed (SSE) when the request asked for it. */
export function reply(
  req: MessagesRequest,
  content: ContentBlock[],
  stopReason: string,
): Response {
  const model = req.model ?? "claude-scripted";
  if (req.stream === true) return sseResponse(streamEvents(model, content, stopReason));
  return jsonResponse(message(model, content, stopReason));
}

function answerMessages(ctx: ScriptContext): ProtocolAnswer {
  const req = (ctx.request.json ?? {}) as MessagesRequest;
  // 400, not 500: Claude Code retries 5xx with back-off for minutes, a 400 ends the run.
  if (ctx.mode === "error") {
    return {
      reply: "error",
      response: jsonResponse({
        type: "error",
        error: { type: "invalid_request_error", message: SCRIPTED_ERROR },
      }, 400),
    };
  }
  if (!offersBash(req)) {
    return { reply: "side_text", response: reply(req, [{ type: "text", text: "ok" }], "end_turn") };
  }
  const toolResult = lastToolResult(req);
  const step = scriptStep(ctx.mode, ctx.request.body, toolResult !== undefined);
  if (step.kind === "tool_call") {
    const block: ContentBlock = {
      type: "tool_use",
      id: `toolu_scripted_${crypto.randomUUID().slice(0, 8)}`,
      name: "Bash",
      input: { command: step.command, description: "Mark the task complete" },
    };
    return { reply: "tool_call", taskId: step.taskId, response: reply(req, [block], "tool_use") };
  }
  return {
    reply: "final_text",
    ...(toolResult === undefined ? {} : { toolResult }),
    response: reply(req, [{ type: "text", text: SCRIPTED_FINAL_TEXT }], "end_turn"),
  };
}

/** Answers `/v1/messages*` and `/v1/models*`. */
export const anthropicProtocol: ModelProtocol = {
  name: "anthropic",
  handles: (r) => /^\/v1\/(messages|models)(\/|\?|$)/.test(r.path),
  answer(ctx) {
    const path = ctx.request.path.split("?")[0];
    if (path === "/v1/messages/count_tokens") {
      return { reply: "meta", response: jsonResponse({ input_tokens: 10 }) };
    }
    if (path.startsWith("/v1/models")) {
      return {
        reply: "meta",
        response: jsonResponse({ data: [], has_more: false, first_id: null, last_id: null }),
      };
    }
    return answerMessages(ctx);
  },
};
