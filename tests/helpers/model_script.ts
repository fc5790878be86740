/**
 * The shared core of the scripted model servers that stand in for an agent CLI's cloud API
 * in the real-CLI end-to-end tests (model_server_gemini.ts, model_server_copilot.ts,
 * model_server_auggie.ts): an HTTP server on 127.0.0.1 that records every request, what the
 * scripted model says, and where the installed agent CLIs are.
 *
 * The script is the same for every CLI: the first model turn calls the CLI's own shell tool
 * with `tt task complete <id>` (the id read from tt's prompt in the request), and once the
 * conversation carries that tool's result the model ends with a short text.
 */

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1beta/models/m:streamGenerateContent?alt=sse`. */
  path: string;
  headers: Headers;
  body: string;
}

export interface ModelServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  close(): Promise<void>;
}

export type ModelHandler = (req: RecordedRequest) => Response | Promise<Response>;

/** Starts `handler` on 127.0.0.1 at a free port; an exception in it answers 500 with its text. */
export function startModelServer(handler: ModelHandler): Promise<ModelServer> {
  const requests: RecordedRequest[] = [];
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) => {
        const url = `http://127.0.0.1:${port}`;
        const close = async () => {
          await server.shutdown().catch(() => {});
        };
        resolve({ url, port, requests, close, [Symbol.asyncDispose]: close });
      },
    }, async (request) => {
      const u = new URL(request.url);
      const recorded: RecordedRequest = {
        method: request.method,
        path: u.pathname + u.search,
        headers: request.headers,
        body: await request.text(),
      };
      requests.push(recorded);
      try {
        return await handler(recorded);
      } catch (err) {
        return new Response(`scripted model error: ${err}`, { status: 500 });
      }
    });
  });
}

/** What the scripted model reports as its final text, and the task's result. */
export const SCRIPTED_RESULT = "completed by the scripted model";
export const SCRIPTED_FINAL_TEXT = "The task is complete.";

/** The task id tt's prompt names (`Task ID: <id>`), searched in a request body or prompt. */
export function taskIdIn(text: string): string | undefined {
  // Request bodies are JSON, so the prompt's newlines may be escaped; the id is one word.
  return /Task ID: ([0-9A-Za-z-]+)/.exec(text)?.[1];
}

/** The shell command the scripted model runs: tt's own completion command. */
export function completeCommand(taskId: string): string {
  return `tt task complete ${taskId} --result "${SCRIPTED_RESULT}"`;
}

/** JSON response helper. */
export function json(value: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** A `text/event-stream` response of `data: <json>` events (and optional `event:` names). */
export function sse(events: ReadonlyArray<{ event?: string; data: unknown }>): Response {
  const text = events.map((e) =>
    `${e.event ? `event: ${e.event}\n` : ""}data: ${
      typeof e.data === "string" ? e.data : JSON.stringify(e.data)
    }\n\n`
  ).join("");
  return new Response(text, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

/** The folder of the installed agent CLIs' executables (see .ci/run). */
export function agentClisBin(): string {
  const root = Deno.env.get("TT_AGENT_CLIS") ??
    `${Deno.env.get("HOME") ?? "/root"}/.cache/tt/agent-clis`;
  return `${root}/node_modules/.bin`;
}

/**
 * The path of an installed agent CLI, or undefined (printing why) when it is not there, for a
 * test's `ignore:` so a missing CLI shows as ignored, never as passed.
 */
export function installedAgentCli(program: string, npmPackage: string): string | undefined {
  const path = `${agentClisBin()}/${program}`;
  try {
    Deno.statSync(path);
    return path;
  } catch {
    console.error(
      `ignored: ${program} is not installed at ${path} (npm ${npmPackage}; .ci/run installs it)`,
    );
    return undefined;
  }
}

/** The installed npm package's version from its package.json, for test names. */
export function installedVersion(npmPackage: string): string {
  const bin = agentClisBin();
  const file = `${bin.slice(0, -"/.bin".length)}/${npmPackage}/package.json`;
  try {
    const version = (JSON.parse(Deno.readTextFileSync(file)) as { version?: unknown }).version;
    return typeof version === "string" ? version : "(unknown version)";
  } catch {
    return "(not installed)";
  }
}
