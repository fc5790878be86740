/**
 * A scripted model server for end-to-end tests that run the real agent CLIs: an HTTP server on
 * 127.0.0.1 (port chosen by the system) that records every request and answers model calls
 * from a fixed script instead of a model.
 *
 * The script is the same for every wire protocol:
 * - "complete": the first model call that carries a task id gets back a call of the CLI's own
 *   shell tool running `tt task complete <id> --result ...`; once the tool's result comes back,
 *   the answer is a short final text.
 * - "error": every model call gets an API error.
 *
 * Each protocol (model_anthropic.ts, model_openai.ts, model_openai_chat.ts, model_gemini.ts,
 * model_augment.ts) is a `ModelProtocol`: it claims the
 * requests it understands and turns a script decision into that protocol's wire format. The
 * core here (recording, script decisions, task-id extraction) knows no protocol.
 *
 *   await using server = await startModelServer({ mode: "complete", protocols: [anthropic] });
 *   ... point the CLI at server.url ...
 *   server.requests // everything that arrived, with the reply each got
 */

export type ScriptMode = "complete" | "error";

/** What the script answered a request with. */
export type ScriptReply =
  /** A call of the CLI's shell tool running `tt task complete <id>`. */
  | "tool_call"
  /** Plain text after the tool result came back (or for a model call without a task). */
  | "final_text"
  /** A model call that is not the agent's turn (title generation, quota checks...). */
  | "side_text"
  /** The "error" mode's API error. */
  | "error"
  /** Not a model call: a health check, a model list, a token count... */
  | "meta"
  /** No protocol claimed the request. */
  | "unknown";

export interface RecordedRequest {
  /** 1-based, in arrival order. */
  seq: number;
  /** `Date.now()` when the request arrived. */
  receivedAt: number;
  method: string;
  /** Path and query, e.g. `/v1/messages?beta=true`. */
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
  /** Name of the protocol that answered, when one did. */
  protocol?: string;
  reply: ScriptReply;
  /** The task id the script put in its tool call, for "tool_call" replies. */
  taskId?: string;
  /** The output of the shell tool as the CLI sent it back (the last one in the request). */
  toolResult?: string;
}

/** What a protocol is given to answer one request. */
export interface ScriptContext {
  mode: ScriptMode;
  /** The request so far; the protocol fills in nothing, the server records its reply. */
  request: Readonly<Omit<RecordedRequest, "reply" | "protocol" | "taskId" | "toolResult">>;
}

export interface ProtocolAnswer {
  response: Response;
  reply: ScriptReply;
  taskId?: string;
  toolResult?: string;
}

/** One wire protocol: which requests it answers and how. */
export interface ModelProtocol {
  name: string;
  /** True for the requests this protocol answers (checked in the order given). */
  handles(request: ScriptContext["request"]): boolean;
  answer(ctx: ScriptContext): ProtocolAnswer | Promise<ProtocolAnswer>;
}

export interface ModelServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Every request so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** The requests that got one of the given replies. */
  replies(...kinds: ScriptReply[]): RecordedRequest[];
  /** Stops the server; safe to call twice. */
  close(): Promise<void>;
}

export interface ModelServerOptions {
  mode: ScriptMode;
  protocols: readonly ModelProtocol[];
}

/** The result line the scripted tool call passes to `tt task complete`. */
export const SCRIPTED_RESULT = "done by the scripted model";
/** The final text once the tool result came back. */
export const SCRIPTED_FINAL_TEXT = "The task is complete.";
/** The text of the "error" mode's API errors. */
export const SCRIPTED_ERROR = "scripted model server: simulated API failure";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const TASK_ID_LINE = new RegExp(`Task ID: (${UUID})`);

/**
 * The task id of tt's round prompt (its "Task ID: <uuid>" line), searched in any text: a
 * request body as sent, JSON escaping included, holds the line unchanged.
 */
export function extractTaskId(text: string): string | undefined {
  return TASK_ID_LINE.exec(text)?.[1];
}

const TT_WORD = /Complete with: ([A-Za-z0-9_.\/-]+) task complete /;

/**
 * How the prompt writes the tt command (its "Complete with: <tt> task complete" line: the
 * town's shim by absolute path), as a real model would copy it; `tt` when the prompt has no
 * such line or its word is not a plain path.
 */
export function ttWordIn(text: string): string {
  return TT_WORD.exec(text)?.[1] ?? "tt";
}

/**
 * The shell command the scripted tool call runs. Ids are checked UUIDs and the tt word a
 * plain path: nothing to quote.
 */
export function completeCommand(taskId: string, tt = "tt"): string {
  if (!new RegExp(`^${UUID}$`).test(taskId)) throw new Error(`not a task id: ${taskId}`);
  if (!/^[A-Za-z0-9_.\/-]+$/.test(tt)) throw new Error(`not a plain tt path: ${tt}`);
  return `${tt} task complete ${taskId} --result "${SCRIPTED_RESULT}"`;
}

/** What the script does for one model call, whatever the protocol. */
export type ScriptStep =
  | { kind: "error" }
  | { kind: "tool_call"; taskId: string; command: string }
  | { kind: "final_text" };

/**
 * The script's decision for a model call: an error in "error" mode; once a tool result is in
 * the conversation, the final text; otherwise the tool call for the prompt's task, or the
 * final text when the prompt names no task.
 */
export function scriptStep(
  mode: ScriptMode,
  body: string,
  hasToolResult: boolean,
): ScriptStep {
  if (mode === "error") return { kind: "error" };
  if (hasToolResult) return { kind: "final_text" };
  const taskId = extractTaskId(body);
  if (taskId === undefined) return { kind: "final_text" };
  return { kind: "tool_call", taskId, command: completeCommand(taskId, ttWordIn(body)) };
}

/** A `text/event-stream` response of `event:`/`data:` records (event name optional). */
export function sseResponse(events: readonly (readonly [string | undefined, unknown])[]): Response {
  const text = events.map(([name, data]) =>
    `${name === undefined ? "" : `event: ${name}\n`}data: ${JSON.stringify(data)}\n\n`
  ).join("");
  return new Response(text, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

export function jsonResponse(data: unknown, status = 200): Response {
  return new Response(JSON.stringify(data), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Starts the server; it listens once this returns. */
export async function startModelServer(opts: ModelServerOptions): Promise<ModelServer> {
  const requests: RecordedRequest[] = [];
  let arrived = 0;
  let listening!: (port: number) => void;
  const ready = new Promise<number>((resolve) => listening = resolve);
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => listening(port),
    onError: (err) => jsonResponse({ error: { message: String(err) } }, 500),
  }, async (req) => {
    const url = new URL(req.url);
    const body = await req.text();
    let json: unknown;
    try {
      json = body === "" ? undefined : JSON.parse(body);
    } catch {
      json = undefined;
    }
    const request = {
      seq: ++arrived,
      receivedAt: Date.now(),
      method: req.method,
      path: url.pathname + url.search,
      headers: Object.fromEntries(req.headers),
      body,
      json,
    };
    const protocol = opts.protocols.find((p) => p.handles(request));
    if (!protocol) {
      requests.push({ ...request, reply: "unknown" });
      // A bare health check (claude sends `HEAD /`) just needs to see a server.
      if (url.pathname === "/") return new Response(null, { status: 200 });
      return jsonResponse(
        { error: { message: `not scripted: ${req.method} ${url.pathname}` } },
        404,
      );
    }
    const answer = await protocol.answer({ mode: opts.mode, request });
    const recorded: RecordedRequest = { ...request, protocol: protocol.name, reply: answer.reply };
    if (answer.taskId !== undefined) recorded.taskId = answer.taskId;
    if (answer.toolResult !== undefined) recorded.toolResult = answer.toolResult;
    requests.push(recorded);
    return answer.response;
  });
  const port = await ready;
  let closed: Promise<void> | undefined;
  const close = () => closed ??= server.shutdown().then(() => server.finished);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    replies: (...kinds) => requests.filter((r) => kinds.includes(r.reply)),
    close,
    [Symbol.asyncDispose]: close,
  };
}
