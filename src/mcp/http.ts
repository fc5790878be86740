/**
 * `tt townhall mcp-http`: MCP over Streamable HTTP at `/mcp` and `/` (the reference's path),
 * with sessions (one SDK server and transport each, ended by DELETE or 30 minutes idle), SSE
 * for server notifications (GET), the Origin rule, and the REST face's security: the same
 * API keys / OIDC tokens and scopes (401/403 before anything runs), the start-up refusal of a
 * public address without auth, rate limits and the audit log.
 */
import { TtError } from "../errors.ts";
import { contextOf } from "../lib/context.ts";
import { auditResult } from "../townhall/security/audit.ts";
import {
  type AuthFailure,
  createAuthenticator,
  forbidden,
} from "../townhall/security/authenticate.ts";
import { checkServeConfig, serveHostname } from "../townhall/security/config.ts";
import { RateLimiter, rateLimitHeaders } from "../townhall/security/rate_limit.ts";
import { hasScope, type Principal } from "../townhall/security/scopes.ts";
import { type McpHost, openHost } from "./host.ts";
import {
  callsWriteTool,
  cancelledIds,
  isInitialize,
  originAllowed,
  scopesNeeded,
} from "./http_guard.ts";
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { jsonResponseTransport } from "./json_transport.ts";
import type { Session } from "./server.ts";

/** Where and how to serve. */
export interface HttpOptions {
  town: string;
  /** Default `[townhall] bind`. */
  bind?: string;
  /** Default `[townhall] rest_port` + 1; 0 picks a free port. */
  port?: number;
  log: (line: string) => void;
  /** Overrides of process variables for the town (TT_HOME, ...), as in Town.connect. */
  env?: Record<string, string>;
  /** Sessions idle this long are closed. Default 30 minutes. */
  sessionIdleMs?: number;
}

/** A running server. */
export interface McpHttpServer {
  /** `http://host:port` it listens on. */
  url: string;
  port: number;
  /** Closes every session and the listener, then the town handle. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

interface Live {
  transport: WebStandardStreamableHTTPServerTransport;
  session: Session;
  seen: number;
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers": "*",
  "access-control-expose-headers": "mcp-session-id, mcp-protocol-version",
};

function withCors(res: Response): Response {
  for (const [k, v] of Object.entries(CORS)) res.headers.set(k, v);
  return res;
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function rpcError(status: number, code: number, message: string): Response {
  return jsonResponse(status, { jsonrpc: "2.0", error: { code, message }, id: null });
}

/** Starts the server; rejects (TtError) when the settings forbid serving on that address. */
export async function serveHttp(options: HttpOptions): Promise<McpHttpServer> {
  const host = await openHost(options.town, options.log, options.env);
  try {
    return await listen(host, options);
  } catch (err) {
    await host.close();
    throw err;
  }
}

async function listen(host: McpHost, options: HttpOptions): Promise<McpHttpServer> {
  const { open } = contextOf(host.town);
  const th = open.config.townhall;
  const bind = options.bind ?? th.bind;
  const port = options.port ?? th.restPort + 1;
  if (port > 65535) throw new TtError(`MCP HTTP port ${port} is out of range (rest_port + 1)`);
  const check = await checkServeConfig(th, bind, open.root, "MCP HTTP");
  if (check.fatal) throw new TtError(check.fatal);
  for (const w of check.warnings) options.log(`warning: ${w}`);
  const auth = createAuthenticator(th.auth);
  const limiter = th.rateLimit.enabled ? new RateLimiter(th.rateLimit) : undefined;
  const idleMs = options.sessionIdleMs ?? 30 * 60_000;
  const sessions = new Map<string, Live>();

  const endSession = async (id: string) => {
    const live = sessions.get(id);
    if (!live) return;
    sessions.delete(id);
    await live.session.dispose();
    await live.session.server.close().catch(() => {});
  };
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [id, live] of sessions) if (now - live.seen > idleMs) endSession(id);
  }, Math.min(idleMs, 60_000));

  const audit = (principal: string, req: Request, status: number, t0: number) => {
    host.audit.write({
      time: new Date().toISOString(),
      request_id: crypto.randomUUID(),
      principal,
      method: req.method,
      path: new URL(req.url).pathname,
      status,
      result: auditResult(status),
      duration_ms: Math.round(performance.now() - t0),
      face: "mcp",
    });
  };
  const refuse = (f: AuthFailure, principal: string, req: Request, t0: number) => {
    audit(principal, req, f.status, t0);
    return jsonResponse(f.status, { error: f.error, status: f.status });
  };

  const newSession = async (principal: Principal, req: Request, body: unknown) => {
    const session = host.session("http");
    const transport: WebStandardStreamableHTTPServerTransport = jsonResponseTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id: string) => {
        sessions.set(id, { transport, session, seen: Date.now() });
      },
      onsessionclosed: (id: string) => endSession(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) endSession(transport.sessionId);
    };
    await session.server.connect(transport);
    const res = await transport.handleRequest(req, {
      parsedBody: body,
      authInfo: authInfoOf(principal),
    });
    if (!transport.sessionId || !sessions.has(transport.sessionId)) {
      await session.dispose();
      await session.server.close().catch(() => {});
    }
    return res;
  };

  const handle = async (req: Request, remote: string): Promise<Response> => {
    const t0 = performance.now();
    const path = new URL(req.url).pathname;
    if (path === "/health" && req.method === "GET") return new Response(null, { status: 200 });
    if (path !== "/mcp" && path !== "/") return new Response(null, { status: 404 });
    if (req.method === "OPTIONS") return new Response(null, { status: 200 });
    if (!originAllowed(req.headers)) {
      return new Response("Cross-origin requests not allowed", { status: 403 });
    }
    if (limiter) {
      const d = limiter.takeAddress(remote);
      if (!d.allowed) return tooMany(d);
    }
    const who = await auth.authenticate(req.headers);
    if (!who.ok) return refuse(who, "anonymous", req, t0);
    const principal = who.principal;
    let body: unknown;
    if (req.method === "POST") {
      try {
        body = await req.json();
      } catch {
        return rpcError(400, -32700, "Parse error: the body is not JSON");
      }
      const missing = scopesNeeded(body).filter((s) => !hasScope(principal, s));
      if (missing.length > 0) {
        return refuse(forbidden(`needs ${missing.join(", ")}`), principal.id, req, t0);
      }
    }
    if (limiter) {
      const d = limiter.takePrincipal(principal.id, callsWriteTool(body) ? "POST" : "GET");
      if (!d.allowed) return tooMany(d);
    }
    const sessionId = req.headers.get("mcp-session-id");
    if (sessionId === null) {
      if (req.method === "POST" && isInitialize(body)) {
        return await newSession(principal, req, body);
      }
      if (req.method === "DELETE") return new Response(null, { status: 200 });
      return rpcError(400, -32000, "Bad Request: session required (mcp-session-id header)");
    }
    const live = sessions.get(sessionId);
    if (!live) {
      if (req.method === "DELETE") return new Response(null, { status: 200 });
      return rpcError(404, -32001, "Session not found");
    }
    live.seen = Date.now();
    const res = await live.transport.handleRequest(req, {
      ...(body !== undefined ? { parsedBody: body } : {}),
      authInfo: authInfoOf(principal),
    });
    if (req.method === "DELETE") await endSession(sessionId);
    // Close the cancelled requests' own responses with an error (they would stay open).
    for (const id of cancelledIds(body)) {
      await live.transport.send({
        jsonrpc: "2.0",
        id,
        error: { code: -32800, message: "Request cancelled" },
      }).catch(() => {}); // already answered, or not this session's
    }
    return res;
  };

  const server = Deno.serve({
    hostname: serveHostname(bind),
    port,
    onListen: () => {},
    onError: (err) => {
      options.log(`request failed: ${err instanceof Error ? err.message : err}`);
      return new Response("Internal Server Error", { status: 500 });
    },
  }, async (req, info) => {
    const remote = "hostname" in info.remoteAddr ? info.remoteAddr.hostname : "unix";
    return withCors(await handle(req, remote));
  });
  const addr = server.addr as Deno.NetAddr;
  const shownHost = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const url = `http://${shownHost}:${addr.port}`;
  options.log(
    `tt MCP server for town ${host.town.name} on ${url}/mcp (auth: ${auth.mode})`,
  );
  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    stopping ??= (async () => {
      clearInterval(sweeper);
      await Promise.allSettled([...sessions.keys()].map(endSession));
      await server.shutdown();
      await host.close();
    })();
  return { url, port: addr.port, shutdown, finished: server.finished.then(() => stopping) };
}

function tooMany(d: ReturnType<RateLimiter["takeAddress"]>): Response {
  return jsonResponse(429, { error: "Rate limit exceeded", status: 429 }, rateLimitHeaders(d));
}

function authInfoOf(p: Principal) {
  return { token: "", clientId: p.id, scopes: [...p.scopes] };
}
