/**
 * The Gemini API (generativelanguage `v1beta`) as the `gemini` CLI (@google/gemini-cli 0.61)
 * uses it, for the scripted model server; the CLI reaches it through `GOOGLE_GEMINI_BASE_URL`
 * + `GEMINI_API_KEY`.
 * - `POST /v1beta/models/<m>:streamGenerateContent?alt=sse`: the agent's turns; the shell tool
 *   is `run_shell_command` (`{command, description}`), its result a `functionResponse` part.
 * - `POST /v1beta/models/<m>:generateContent`: the CLI's side calls (its model router asks for
 *   a JSON complexity score): a small JSON text that parses.
 * - `:countTokens`: a count. In "error" mode every call is a 400 INVALID_ARGUMENT, which the
 *   CLI does not retry.
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

/** gemini-cli's shell tool. */
export const GEMINI_SHELL_TOOL = "run_shell_command";

interface GeminiPart {
  text?: string;
  functionCall?: unknown;
  functionResponse?: { response?: unknown };
}

interface GeminiRequest {
  contents?: { role?: string; parts?: GeminiPart[] }[];
}

function candidate(parts: unknown[]) {
  return {
    candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    modelVersion: "scripted",
  };
}

/** The last function response in the conversation, as text. */
function lastToolResult(req: GeminiRequest): string | undefined {
  const parts = (req.contents ?? []).flatMap((c) => c.parts ?? []);
  const results = parts.filter((p) => p.functionResponse !== undefined);
  if (results.length === 0) return undefined;
  return JSON.stringify(results[results.length - 1].functionResponse?.response ?? null);
}

function agentTurn(ctx: ScriptContext): ProtocolAnswer {
  const req = (ctx.request.json ?? {}) as GeminiRequest;
  const toolResult = lastToolResult(req);
  const step = scriptStep(ctx.mode, ctx.request.body, toolResult !== undefined);
  if (step.kind === "tool_call") {
    const call = {
      functionCall: {
        name: GEMINI_SHELL_TOOL,
        args: { command: step.command, description: "complete the task" },
      },
    };
    return {
      reply: "tool_call",
      taskId: step.taskId,
      response: sseResponse([[undefined, candidate([call])]]),
    };
  }
  return {
    reply: "final_text",
    ...(toolResult === undefined ? {} : { toolResult }),
    response: sseResponse([[undefined, candidate([{ text: SCRIPTED_FINAL_TEXT }])]]),
  };
}

/** Answers `/v1beta/models/*`. */
export const geminiProtocol: ModelProtocol = {
  name: "gemini",
  handles: (r) => r.path.startsWith("/v1beta/models/"),
  answer(ctx) {
    if (ctx.mode === "error") {
      return {
        reply: "error",
        response: jsonResponse(
          { error: { code: 400, message: SCRIPTED_ERROR, status: "INVALID_ARGUMENT" } },
          400,
        ),
      };
    }
    const path = ctx.request.path;
    if (path.includes(":streamGenerateContent")) return agentTurn(ctx);
    if (path.includes(":generateContent")) {
      // Side calls want JSON text (the router's schema has these two fields).
      const text = JSON.stringify({ complexity_reasoning: "scripted", complexity_score: 10 });
      return { reply: "side_text", response: jsonResponse(candidate([{ text }])) };
    }
    if (path.includes(":countTokens")) {
      return { reply: "meta", response: jsonResponse({ totalTokens: 10 }) };
    }
    return {
      reply: "meta",
      response: jsonResponse({ error: { code: 404, message: `not scripted: ${path}` } }, 404),
    };
  },
};
