/**
 * A scripted Gemini API (generativelanguage `v1beta`) on 127.0.0.1 for the real `gemini` CLI
 * (@google/gemini-cli), which reaches it through `GOOGLE_GEMINI_BASE_URL` + `GEMINI_API_KEY`.
 *
 * - `POST /v1beta/models/<m>:streamGenerateContent?alt=sse` (the agent's turns): the first
 *   turn calls `run_shell_command` with `tt task complete <id>`; once the conversation holds a
 *   `functionResponse`, the model answers with its final text.
 * - `POST /v1beta/models/<m>:generateContent` (the CLI's side calls, e.g. its model router
 *   asking for a JSON complexity score): a small JSON text that parses.
 * - `mode: "error"`: every call answers HTTP 400 INVALID_ARGUMENT, which the CLI does not
 *   retry, so its round fails fast.
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

export type GeminiModelMode = "complete" | "error";

interface GeminiPart {
  text?: string;
  functionCall?: unknown;
  functionResponse?: unknown;
}

interface GeminiRequest {
  contents?: { role?: string; parts?: GeminiPart[] }[];
}

/** The shell tool of gemini-cli 0.61 and its argument. */
export const GEMINI_SHELL_TOOL = "run_shell_command";

export const GEMINI_ERROR_MESSAGE = "scripted model: this request is refused";

function usage() {
  return { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 };
}

function candidate(parts: unknown[]) {
  return {
    candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }],
    usageMetadata: usage(),
    modelVersion: "scripted",
  };
}

/** The next model turn for one streamed request of the conversation. */
function agentTurn(request: GeminiRequest, raw: string) {
  const parts = (request.contents ?? []).flatMap((c) => c.parts ?? []);
  if (parts.some((p) => p.functionResponse !== undefined)) {
    return candidate([{ text: SCRIPTED_FINAL_TEXT }]);
  }
  const taskId = taskIdIn(raw);
  if (taskId === undefined) return candidate([{ text: "No task id in the prompt." }]);
  return candidate([{
    functionCall: {
      name: GEMINI_SHELL_TOOL,
      args: { command: completeCommand(taskId), description: "complete the task" },
    },
  }]);
}

export function startGeminiModel(mode: GeminiModelMode = "complete"): Promise<ModelServer> {
  return startModelServer((req) => {
    if (mode === "error") {
      return json(
        { error: { code: 400, message: GEMINI_ERROR_MESSAGE, status: "INVALID_ARGUMENT" } },
        400,
      );
    }
    if (req.method !== "POST") return json({ error: { code: 404, message: "not found" } }, 404);
    const request = JSON.parse(req.body) as GeminiRequest;
    if (req.path.includes(":streamGenerateContent")) {
      return sse([{ data: agentTurn(request, req.body) }]);
    }
    if (req.path.includes(":generateContent")) {
      // Side calls want JSON text (the router's schema has these two fields).
      const text = JSON.stringify({ complexity_reasoning: "scripted", complexity_score: 10 });
      return json(candidate([{ text }]));
    }
    if (req.path.includes(":countTokens")) return json({ totalTokens: 10 });
    return json({ error: { code: 404, message: `scripted model: no ${req.path}` } }, 404);
  });
}
