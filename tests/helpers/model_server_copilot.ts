/**
 * A scripted OpenAI-compatible chat-completions API on 127.0.0.1 for GitHub's standalone
 * `copilot` CLI (@github/copilot) in its "bring your own key" mode: `COPILOT_PROVIDER_BASE_URL`
 * (this server's `/v1`), `COPILOT_PROVIDER_TYPE=openai`, `COPILOT_MODEL` and
 * `COPILOT_OFFLINE=true`, which needs no GitHub account and sends nothing to GitHub.
 *
 * - `POST /v1/chat/completions`: the first turn calls copilot's `bash` tool with
 *   `tt task complete <id>`; once the conversation holds a `tool` message, the model answers
 *   with its final text. Streamed (SSE chunks) or not, as the request asks.
 * - `mode: "error"`: every call answers HTTP 400, which copilot does not retry.
 */
import {
  completeCommand,
  json,
  type ModelServer,
  SCRIPTED_FINAL_TEXT,
  sse,
  startModelServer,
  taskIdIn,
} from "./model_script.ts";

export type CopilotModelMode = "complete" | "error";

/** copilot 1.0's shell tool. */
export const COPILOT_SHELL_TOOL = "bash";
export const COPILOT_ERROR_MESSAGE = "scripted model: this request is refused";

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

/** The assistant's next message: a tool call or the final text. */
function nextMessage(request: ChatRequest): { content: string | null; toolCalls?: ToolCall[] } {
  const messages = request.messages ?? [];
  if (messages.some((m) => m.role === "tool")) return { content: SCRIPTED_FINAL_TEXT };
  const userText = JSON.stringify(messages.filter((m) => m.role === "user"));
  const taskId = taskIdIn(userText);
  if (taskId === undefined) return { content: "No task id in the prompt." };
  const args = {
    command: completeCommand(taskId),
    description: "Complete the task",
    mode: "sync",
    initial_wait: 60,
  };
  return {
    content: null,
    toolCalls: [{
      id: "call_scripted_1",
      type: "function",
      function: { name: COPILOT_SHELL_TOOL, arguments: JSON.stringify(args) },
    }],
  };
}

const USAGE = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

function streamed(model: string, message: ReturnType<typeof nextMessage>): Response {
  const base = { id: "chatcmpl-scripted", object: "chat.completion.chunk", created: 0, model };
  const delta = message.toolCalls
    ? {
      role: "assistant",
      content: null,
      tool_calls: message.toolCalls.map((c, index) => ({ index, ...c })),
    }
    : { role: "assistant", content: message.content };
  const finish = message.toolCalls ? "tool_calls" : "stop";
  return sse([
    { data: { ...base, choices: [{ index: 0, delta, finish_reason: null }] } },
    { data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] } },
    { data: { ...base, choices: [], usage: USAGE } },
    { data: "[DONE]" },
  ]);
}

function whole(model: string, message: ReturnType<typeof nextMessage>): Response {
  return json({
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

export function startCopilotModel(mode: CopilotModelMode = "complete"): Promise<ModelServer> {
  return startModelServer((req) => {
    if (mode === "error") {
      return json(
        { error: { message: COPILOT_ERROR_MESSAGE, type: "invalid_request_error", code: null } },
        400,
      );
    }
    if (req.method === "GET" && req.path.startsWith("/v1/models")) {
      return json({ object: "list", data: [{ id: "scripted", object: "model", owned_by: "tt" }] });
    }
    if (req.method !== "POST" || !req.path.startsWith("/v1/chat/completions")) {
      return json({ error: { message: `scripted model: no ${req.method} ${req.path}` } }, 404);
    }
    const request = JSON.parse(req.body) as ChatRequest;
    const message = nextMessage(request);
    const model = request.model ?? "scripted";
    return request.stream ? streamed(model, message) : whole(model, message);
  });
}
