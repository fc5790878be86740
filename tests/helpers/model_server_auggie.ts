/**
 * A scripted Augment API on 127.0.0.1 for the real `auggie` CLI (@augmentcode/auggie), which
 * takes its endpoint from the session in `AUGMENT_SESSION_AUTH`
 * (`{"accessToken": …, "tenantURL": "<this server>/", "scopes": ["email"]}`).
 *
 * What auggie 0.36 asks for, as observed: `POST /get-models` (it needs a default model and
 * a model list before it reads the instruction), a few settings/tool-list calls that may
 * answer `{}`, `/report-error` for its telemetry, and `POST /chat-stream`, answered with
 * newline-separated JSON chunks `{text, nodes, stop_reason}`:
 * - a request whose nodes hold no tool result: a tool-use node (type 5) calling auggie's
 *   `launch-process` tool with `tt task complete <id>`, stop reason 3 (tool use requested);
 * - once a tool-result node (type 1) is sent back: the final text, stop reason 1 (end turn).
 * `mode: "error"`: `/chat-stream` answers HTTP 400; the other calls still work, so the CLI
 * gets as far as sending the prompt.
 */
import {
  completeCommand,
  json,
  type ModelServer,
  SCRIPTED_FINAL_TEXT,
  startModelServer,
  taskIdIn,
} from "./model_script.ts";

export type AuggieModelMode = "complete" | "error";

/** auggie's shell tool. */
export const AUGGIE_SHELL_TOOL = "launch-process";
export const AUGGIE_ERROR_MESSAGE = "scripted model: this request is refused";

/** Node and stop-reason numbers of the Augment chat protocol (as auggie 0.36 sends them). */
const REQUEST_NODE_TOOL_RESULT = 1;
const RESPONSE_NODE_TOOL_USE = 5;
const STOP_END_TURN = 1;
const STOP_TOOL_USE_REQUESTED = 3;

interface ChatStreamRequest {
  nodes?: { type?: number }[];
}

/** The session JSON auggie reads from `AUGMENT_SESSION_AUTH`, pointing at `server`. */
export function auggieSession(server: ModelServer): string {
  return JSON.stringify({
    accessToken: "scripted-token",
    tenantURL: `${server.url}/`,
    scopes: ["email"],
  });
}

function ndjson(chunks: unknown[]): Response {
  return new Response(chunks.map((c) => JSON.stringify(c) + "\n").join(""), {
    headers: { "content-type": "application/json" },
  });
}

function chatTurn(request: ChatStreamRequest, raw: string): Response {
  if ((request.nodes ?? []).some((n) => n.type === REQUEST_NODE_TOOL_RESULT)) {
    return ndjson([{ text: SCRIPTED_FINAL_TEXT }, { text: "", stop_reason: STOP_END_TURN }]);
  }
  const taskId = taskIdIn(raw);
  if (taskId === undefined) {
    return ndjson([{ text: "No task id in the prompt." }, {
      text: "",
      stop_reason: STOP_END_TURN,
    }]);
  }
  const input = { command: completeCommand(taskId), wait: true, max_wait_seconds: 60 };
  return ndjson([
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
  ]);
}

export function startAuggieModel(mode: AuggieModelMode = "complete"): Promise<ModelServer> {
  return startModelServer((req) => {
    switch (req.path) {
      case "/get-models":
        return json({
          default_model: "scripted",
          models: [{
            name: "scripted",
            suggested_prefix_char_count: 0,
            suggested_suffix_char_count: 0,
          }],
          languages: [],
          feature_flags: {},
        });
      case "/chat-stream":
        if (mode === "error") {
          return json({ error: AUGGIE_ERROR_MESSAGE }, 400);
        }
        return chatTurn(JSON.parse(req.body) as ChatStreamRequest, req.body);
      default:
        // Settings, remote tool lists, error reports, usage events: nothing to add.
        return json({});
    }
  });
}
