/**
 * OpenAI's chat-completions API as GitHub's standalone `copilot` CLI (@github/copilot 1.0)
 * uses it in its "bring your own key" mode (`COPILOT_PROVIDER_BASE_URL` = this server's `/v1`,
 * `COPILOT_PROVIDER_TYPE=openai`), for the scripted model server: `POST /v1/chat/completions`,
 * streamed (SSE chunks) or not as the request asks, and `GET /v1/models`. The shell tool is
 * copilot's `bash` (`{command, description, mode, initial_wait}`), its result a `tool` message.
 */
import {
  jsonResponse,
  type ModelProtocol,
  type ProtocolAnswer,
  type ScriptContext,
  SCRIPTED_ERROR,
  SCRIPTED_FINAL_TEXT,
  scriptStep,
} from "./model_server.ts";

/** copilot's shell tool. */
export const COPILOT_SHELL_TOOL = "bash";

interface ChatRequest {
  model?: string;
  stream?: boolean;
  messages?: { role: string; content?: unknown }[];
}

interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

interface Reply {
  content: string | null;
  toolCalls?: ToolCall[];
}

const USAGE = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

function lastToolResult(req: ChatRequest): string | undefined {
  const tools = (req.messages ?? []).filter((m) => m.role === "tool");
  if (tools.length === 0) return undefined;
  const content = tools[tools.length - 1].content;
  return typeof content === "string" ? content : JSON.stringify(content);
}

function streamed(model: string, message: Reply): Response {
  const base = { id: "chatcmpl-scripted", object: "chat.completion.chunk", created: 0, model };
  const delta = message.toolCalls
    ? {
      role: "assistant",
      content: null,
      tool_calls: message.toolCalls.map((c, index) => ({ index, ...c })),
    }
    : { role: "assistant", content: message.content };
  const finish = message.toolCalls ? "tool_calls" : "stop";
  const body = [
    { ...base, choices: [{ index: 0, delta, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] },
    { ...base, choices: [], usage: USAGE },
  ].map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join("") + "data: [DONE]\n\n";
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

function whole(model: string, message: Reply): Response {
  return jsonResponse({
    id: "chatcmpl-scripted",
    object: "chat.completion",
    created: 0,
    model,
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: message.content,
        ...(message.toolCalls ? { tool_calls: message.toolCalls } : {}),
      },
      finish_reason: message.toolCalls ? "tool_calls" : "stop",
    }],
    usage: USAGE,
  });
}

function answerChat(ctx: ScriptContext): ProtocolAnswer {
  const req = (ctx.request.json ?? {}) as ChatRequest;
  const toolResult = lastToolResult(req);
  // The task id is looked for in what the user said, not in the system prompt.
  const userText = JSON.stringify((req.messages ?? []).filter((m) => m.role === "user"));
  const step = scriptStep(ctx.mode, userText, toolResult !== undefined);
  const model = req.model ?? "scripted";
  const send = (message: Reply) => req.stream ? streamed(model, message) : whole(model, message);
  if (step.kind === "error") {
    return {
      reply: "error",
      response: jsonResponse(
        { error: { message: SCRIPTED_ERROR, type: "invalid_request_error", code: null } },
        400,
      ),
    };
  }
  if (step.kind === "tool_call") {
    const args = {
      command: step.command,
      description: "Complete the task",
      mode: "sync",
      initial_wait: 60,
    };
    return {
      reply: "tool_call",
      taskId: step.taskId,
      response: send({
        content: null,
        toolCalls: [{
          id: "call_scripted_1",
          type: "function",
          function: { name: COPILOT_SHELL_TOOL, arguments: JSON.stringify(args) },
        }],
      }),
    };
  }
  return {
    reply: "final_text",
    ...(toolResult === undefined ? {} : { toolResult }),
    response: send({ content: SCRIPTED_FINAL_TEXT }),
  };
}

/** Answers `/v1/chat/completions` and `/v1/models*`. */
export const openaiChatProtocol: ModelProtocol = {
  name: "openai-chat",
  handles: (r) => /^\/v1\/(chat\/completions|models)(\/|\?|$)/.test(r.path),
  answer(ctx) {
    if (ctx.request.path.startsWith("/v1/models")) {
      return {
        reply: "meta",
        response: jsonResponse({
          object: "list",
          data: [{ id: "scripted", object: "model", owned_by: "tt" }],
        }),
      };
    }
    return answerChat(ctx);
  },
};
