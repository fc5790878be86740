/**
 * OpenAI's Responses API as Codex uses it, for the scripted model server: streaming
 * `POST /v1/responses` (SSE) and the model list. The shell tool is whichever of Codex's shell
 * functions the request offers: `exec_command` (`{cmd}`, Codex 0.1xx), `shell_command`
 * (`{command: string}`) or `shell` (`{command: argv}`).
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

interface ResponsesRequest {
  model?: string;
  stream?: boolean;
  tools?: { type?: string; name?: string }[];
  input?: { type?: string; output?: unknown }[];
}

type OutputItem = Record<string, unknown> & { type: string };

const TOOL_RESULT_ITEMS = ["function_call_output", "custom_tool_call_output"];

/** The output of the last tool call in the input, if any. */
function lastToolResult(req: ResponsesRequest): string | undefined {
  const outputs = (req.input ?? []).filter((item) => TOOL_RESULT_ITEMS.includes(item.type ?? ""));
  if (outputs.length === 0) return undefined;
  const out = outputs[outputs.length - 1].output;
  return typeof out === "string" ? out : JSON.stringify(out);
}

/** The function call item that runs `command` with the shell tool this request offers. */
function shellCall(req: ResponsesRequest, command: string): OutputItem | undefined {
  const names = new Set((req.tools ?? []).map((t) => t.name));
  let name: string;
  let args: Record<string, unknown>;
  if (names.has("exec_command")) [name, args] = ["exec_command", { cmd: command }];
  else if (names.has("shell_command")) [name, args] = ["shell_command", { command }];
  else if (names.has("shell")) [name, args] = ["shell", { command: ["bash", "-lc", command] }];
  else return undefined;
  const id = crypto.randomUUID().slice(0, 8);
  return {
    type: "function_call",
    id: `fc_scripted_${id}`,
    call_id: `call_scripted_${id}`,
    name,
    arguments: JSON.stringify(args),
    status: "completed",
  };
}

function textItem(text: string): OutputItem {
  return {
    type: "message",
    id: `msg_scripted_${crypto.randomUUID().slice(0, 8)}`,
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text, annotations: [] }],
  };
}

function responseObject(req: ResponsesRequest, output: OutputItem[], status: string) {
  return {
    id: `resp_scripted_${crypto.randomUUID().slice(0, 8)}`,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    model: req.model ?? "scripted",
    status,
    output,
    usage: {
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 10,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 20,
    },
  };
}

function reply(req: ResponsesRequest, item: OutputItem): Response {
  const done = responseObject(req, [item], "completed");
  if (req.stream !== true) return jsonResponse(done);
  const created = { ...responseObject(req, [], "in_progress"), id: done.id };
  const events: [string, unknown][] = [
    ["response.created", { type: "response.created", response: created }],
    ["response.output_item.added", {
      type: "response.output_item.added",
      output_index: 0,
      item,
    }],
  ];
  if (item.type === "message") {
    events.push(["response.output_text.delta", {
      type: "response.output_text.delta",
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      delta: SCRIPTED_FINAL_TEXT,
    }]);
  }
  events.push(
    ["response.output_item.done", { type: "response.output_item.done", output_index: 0, item }],
    ["response.completed", { type: "response.completed", response: done }],
  );
  return sseResponse(events);
}

function answerResponses(ctx: ScriptContext): ProtocolAnswer {
  const req = (ctx.request.json ?? {}) as ResponsesRequest;
  const toolResult = lastToolResult(req);
  const step = scriptStep(ctx.mode, ctx.request.body, toolResult !== undefined);
  if (step.kind === "error") {
    // 400, not 500: a 5xx is retried, a 400 ends the turn at once.
    return {
      reply: "error",
      response: jsonResponse({
        error: { message: SCRIPTED_ERROR, type: "invalid_request_error", code: null },
      }, 400),
    };
  }
  if (step.kind === "tool_call") {
    const call = shellCall(req, step.command);
    if (call) return { reply: "tool_call", taskId: step.taskId, response: reply(req, call) };
  }
  return {
    reply: "final_text",
    ...(toolResult === undefined ? {} : { toolResult }),
    response: reply(req, textItem(SCRIPTED_FINAL_TEXT)),
  };
}

/** Answers `/v1/responses` and `/v1/models*`. */
export const openaiResponsesProtocol: ModelProtocol = {
  name: "openai-responses",
  handles: (r) => /^\/v1\/(responses|models)(\/|\?|$)/.test(r.path),
  answer(ctx) {
    if (ctx.request.path.startsWith("/v1/models")) {
      return { reply: "meta", response: jsonResponse({ object: "list", data: [], models: [] }) };
    }
    return answerResponses(ctx);
  },
};
