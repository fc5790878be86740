/**
 * The checks an MCP HTTP request passes before the SDK transport sees it: the Origin rule of
 * townhall.md §8.1, and the scope each JSON-RPC message needs (tools by group; resources and
 * prompts need `town.read`). Pure functions over the request and its parsed body.
 */
import type { Scope } from "../townhall/security/scopes.ts";
import { isWriteTool, toolScope } from "./server.ts";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** False when the request carries an Origin whose host is not a loopback name. */
export function originAllowed(headers: Headers): boolean {
  const origin = headers.get("origin");
  if (origin === null) return true;
  try {
    return LOCAL_HOSTS.has(new URL(origin).hostname);
  } catch {
    return false;
  }
}

interface RpcLike {
  method?: unknown;
  params?: { name?: unknown };
}

function messagesOf(body: unknown): RpcLike[] {
  const list = Array.isArray(body) ? body : [body];
  return list.filter((m): m is RpcLike => m !== null && typeof m === "object");
}

const READ_METHODS = new Set([
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/get",
]);

/** Every scope the messages of a POST body need. */
export function scopesNeeded(body: unknown): Scope[] {
  const out = new Set<Scope>();
  for (const m of messagesOf(body)) {
    if (m.method === "tools/call" && typeof m.params?.name === "string") {
      const scope = toolScope(m.params.name);
      if (scope) out.add(scope);
    } else if (typeof m.method === "string" && READ_METHODS.has(m.method)) {
      out.add("town.read");
    }
  }
  return [...out];
}

/** The tool names a POST body calls, for the audit of refusals. */
export function toolsCalled(body: unknown): string[] {
  return messagesOf(body).flatMap((m) =>
    m.method === "tools/call" && typeof m.params?.name === "string" ? [m.params.name] : []
  );
}

/** Whether the body calls a tool that changes the town (the rate limiter's write bucket). */
export function callsWriteTool(body: unknown): boolean {
  return toolsCalled(body).some(isWriteTool);
}

/** True for an initialize request (a new session). */
export function isInitialize(body: unknown): boolean {
  return messagesOf(body).some((m) => m.method === "initialize");
}

/**
 * The request ids a POST body cancels (`notifications/cancelled`). The SDK's server sends no
 * reply for a cancelled request, which would leave that request's HTTP response open.
 */
export function cancelledIds(body: unknown): (string | number)[] {
  return messagesOf(body).flatMap((m) => {
    const id = (m.params as { requestId?: unknown } | undefined)?.requestId;
    return m.method === "notifications/cancelled" &&
        (typeof id === "string" || typeof id === "number")
      ? [id]
      : [];
  });
}
