/**
 * The Augment API as the `auggie` CLI (@augmentcode/auggie 0.36) uses it, for the scripted
 * model server. auggie takes its endpoint from the session in `AUGMENT_SESSION_AUTH`
 * (`auggieSession`). What it asks for, as observed: `POST /get-models` (it needs a default model
 * and a model list before it reads the instruction), settings and tool-list calls that may
 * answer `{}`, `/report-error` for its telemetry, and `POST /chat-stream`, answered with
 * newline-separated JSON chunks `{text, nodes, stop_reason}`:
 * - no tool-result node (type 1) in the request: a tool-use node (type 5) calling auggie's
 *   `launch-process` tool, stop reason 3 (tool use requested);
 * - with one: the final text, stop reason 1 (end turn).
 * In "error" mode `/chat-stream` answers HTTP 400; the other calls still work, so the CLI gets
 * as far as sending the prompt.
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

/** auggie's shell tool. */
export const AUGGIE_SHELL_TOOL = "launch-process";

/** Node and stop-reason numbers of the Augment chat protocol (as auggie 0.36 sends them). */
const REQUEST_NODE_TOOL_RESULT = 1;
const RESPONSE_NODE_TOOL_USE = 5;
const STOP_END_TURN = 1;
const STOP_TOOL_USE_REQUESTED = 3;

interface ChatStreamRequest {
  nodes?: { type?: number }[];
}

/** The session JSON auggie reads from `AUGMENT_SESSION_AUTH`, pointing at `baseUrl`. */
export function auggieSession(baseUrl: string): string {
  return JSON.stringify({
    accessToken: "scripted-token",
    tenantURL: `${baseUrl}/`,
    scopes: ["email"],
  });
}

function ndjson(chunks: unknown[]): Response {
  return new Response(chunks.map((c) => JSON.stringify(c) + "\n").join(""), {
    headers: { "content-type": "application/json" },
  });
}

function chatTurn(ctx: ScriptContext): ProtocolAnswer {
  if (ctx.mode === "error") {
    return { reply: "error", response: jsonResponse({ error: SCRIPTED_ERROR }, 400) };
  }
  const req = (ctx.request.json ?? {}) as ChatStreamRequest;
  const results = (req.nodes ?? []).filter((n) => n.type === REQUEST_NODE_TOOL_RESULT);
  const toolResult = results.length === 0 ? undefined : JSON.stringify(results.at(-1));
  const step = scriptStep(ctx.mode, ctx.request.body, toolResult !== undefined);
  if (step.kind === "tool_call") {
    const input = { command: step.command, wait: true, max_wait_seconds: 60 };
    return {
      reply: "tool_call",
      taskId: step.taskId,
      response: ndjson([
        {
          text: "",
          nodes: [{
            id: 1,
            type: RESPONSE_NODE_TOOL_USE,
            content: "",
            tool_use: {
              tool_use_id: "toolu_scripted_1",
              tool_name: AUGGIE_SHELL_TOOL,
              input_json: JSON.stringify(input),
            },
          }],
        },
        { text: "", stop_reason: STOP_TOOL_USE_REQUESTED },
      ]),
    };
  }
  return {
    reply: "final_text",
    ...(toolResult === undefined ? {} : { toolResult }),
    response: ndjson([{ text: SCRIPTED_FINAL_TEXT }, { text: "", stop_reason: STOP_END_TURN }]),
  };
}

/** Answers every path: the Augment API is the only one its server speaks. */
export const augmentProtocol: ModelProtocol = {
  name: "augment",
  handles: () => true,
  answer(ctx) {
    switch (ctx.request.path.split("?")[0]) {
      case "/chat-stream":
        return chatTurn(ctx);
      case "/get-models":
        return {
          reply: "meta",
          response: jsonResponse({
            default_model: "scripted",
            models: [{
              name: "scripted",
              suggested_prefix_char_count: 0,
              suggested_suffix_char_count: 0,
            }],
            languages: [],
            feature_flags: {},
          }),
        };
      default:
        // Settings, remote tool lists, error reports, usage events: nothing to add.
        return { reply: "meta", response: jsonResponse({}) };
    }
  },
};
