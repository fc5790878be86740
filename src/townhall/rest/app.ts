/**
 * The REST app (townhall.md §2-3) on Hono: request ids, one log line and metrics per request,
 * CORS, a whole-request timeout, a body size limit, compression, then per protected route
 * the address rate limit, authentication, the principal rate limit and the scope check, and
 * the audit line for state changes and refusals. Errors always have a JSON body.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { compress } from "hono/compress";
import { HTTPException } from "hono/http-exception";
import { describeError } from "../../errors.ts";
import { contextOf } from "../../lib/context.ts";
import {
  auditResult,
  forbidden,
  hasScope,
  mustAudit,
  type RateDecision,
  rateLimitHeaders,
} from "../security/mod.ts";
import type { RestDeps, RestEnv, RestState, RouteDef } from "./context.ts";
import { deadline } from "./deadline.ts";
import { HttpMetrics } from "./http_metrics.ts";
import { detailOf, problemResponse, statusOf } from "./problem.ts";
import { agentRoutes } from "./routes_agents.ts";
import { missionRoutes } from "./routes_missions.ts";
import { probeRoutes } from "./routes_probes.ts";
import { recoveryRoutes } from "./routes_recovery.ts";
import { workRoutes } from "./routes_work.ts";

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Routes whose bodies are compressed (gzip, deflate, br as the client accepts). */
export const COMPRESSED = ["/openapi.json", "/metrics"];

const EXPOSED = "X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset";

/** Paths exempt from rate limits: probes must answer under load. */
const PROBES = new Set(["/health", "/healthz", "/ready", "/readyz", "/metrics"]);

/** Every route of the app, in registration order. */
export function routeTable(state: RestState): RouteDef[] {
  return [
    ...probeRoutes(state),
    ...agentRoutes(state),
    ...workRoutes(state),
    ...recoveryRoutes(state),
    ...missionRoutes(state),
  ];
}

/** The app and its request metrics. */
export interface RestApp {
  app: Hono<RestEnv>;
  /** For Deno.serve: `(req, info) => fetch(req, info)`. */
  fetch: (req: Request, info?: { remoteAddr: Deno.Addr }) => Response | Promise<Response>;
  state: RestState;
  routes: RouteDef[];
}

/** Builds the REST app over `deps`. */
export function buildRestApp(deps: RestDeps): RestApp {
  const state: RestState = {
    ...deps,
    ctx: contextOf(deps.town),
    metrics: new HttpMetrics(),
    startedAt: Date.now(),
  };
  const app = new Hono<RestEnv>();
  const routes = routeTable(state);

  app.use("*", async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const id = incoming && /^[A-Za-z0-9._:-]{1,128}$/.test(incoming)
      ? incoming
      : crypto.randomUUID();
    c.set("requestId", id);
    state.metrics.inFlight++;
    try {
      await next();
    } finally {
      state.metrics.inFlight--;
      c.header("X-Request-Id", id);
      finish(state, c, started);
    }
  });
  // CORS (townhall.md §2.2: any origin, method and header, no credentials), inline: the
  // cors middleware was a measurable part of a small GET.
  app.use("*", async (c, next) => {
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method")) {
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
          "access-control-allow-headers": c.req.header("access-control-request-headers") ?? "*",
          "access-control-max-age": "600",
          vary: "Access-Control-Request-Headers",
        },
      });
    }
    await next();
    c.res.headers.set("access-control-allow-origin", "*");
    c.res.headers.set("access-control-expose-headers", EXPOSED);
  });
  if (deps.settings.requestTimeoutMs > 0) {
    app.use(
      "*",
      deadline(deps.settings.requestTimeoutMs, () => problemResponse(408, "request timed out")),
    );
  }
  // Only the big documents are compressed: Hono's threshold needs a Content-Length our JSON
  // responses do not carry, and gzip of every small JSON body cost most of a small GET's time.
  for (const path of COMPRESSED) app.use(path, compress());
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => problemResponse(413, `request body over ${MAX_BODY_BYTES} bytes`),
  });
  app.use("*", (c, next) => (c.req.raw.body ? limit(c, next) : next()));

  for (const r of routes) {
    const method = r.method.toLowerCase() as "get" | "post" | "delete";
    app[method](r.path, async (c) => {
      c.set("route", r.path);
      const limited = PROBES.has(r.path) ? undefined : takeAddress(state, c);
      if (limited) return limited;
      if (r.scope) {
        const outcome = await state.authenticator.authenticate(c.req.raw.headers);
        if (!outcome.ok) return authError(outcome.status, outcome.error);
        c.set("principal", outcome.principal);
        const d = state.limiter?.takePrincipal(outcome.principal.id, r.method);
        if (d) {
          setRateHeaders(c, d);
          if (!d.allowed) return tooMany(d);
        }
        if (!hasScope(outcome.principal, r.scope)) {
          const f = forbidden(`needs ${r.scope}`);
          return authError(f.status, f.error);
        }
      }
      return await r.handler(c);
    });
  }

  app.notFound((c) => {
    const allowed = routes.filter((r) => matches(r.path, c.req.path)).map((r) => r.method);
    if (allowed.length > 0) {
      return problemResponse(405, `${c.req.method} is not allowed on ${c.req.path}`, {
        Allow: [...new Set(allowed)].join(", "),
      });
    }
    return problemResponse(404, `no route ${c.req.method} ${c.req.path}`);
  });
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    const status = statusOf(err);
    if (status === 500) state.log?.(`error ${c.get("requestId")}: ${describeError(err)}`);
    return problemResponse(status, detailOf(err, status));
  });

  const fetch = (req: Request, info?: { remoteAddr: Deno.Addr }) =>
    app.fetch(req, { remoteAddr: info?.remoteAddr as Deno.NetAddr | undefined });
  return { app, fetch, state, routes };
}

function matches(pattern: string, path: string): boolean {
  const re = new RegExp(`^${pattern.replace(/:[A-Za-z_]+/g, "[^/]+")}$`);
  return re.test(path);
}

function clientAddress(c: { env: RestEnv["Bindings"] | undefined }): string {
  return c.env?.remoteAddr?.hostname ?? "unknown";
}

function takeAddress(
  state: RestState,
  c: Parameters<RouteDef["handler"]>[0],
): Response | undefined {
  const d = state.limiter?.takeAddress(clientAddress(c));
  if (!d) return undefined;
  setRateHeaders(c, d);
  return d.allowed ? undefined : tooMany(d);
}

function setRateHeaders(c: Parameters<RouteDef["handler"]>[0], d: RateDecision): void {
  for (const [k, v] of Object.entries(rateLimitHeaders(d))) c.header(k, v);
}

function tooMany(d: RateDecision): Response {
  return Response.json(
    { error: "Rate limit exceeded", retry_after_seconds: d.retryAfterSeconds, status: 429 },
    { status: 429, headers: rateLimitHeaders(d) },
  );
}

function authError(status: 401 | 403, error: string): Response {
  return Response.json({ error, status }, { status });
}

/** The request's log line, metrics and (when due) audit line. */
function finish(state: RestState, c: Parameters<RouteDef["handler"]>[0], started: number): void {
  const ms = performance.now() - started;
  const status = c.res.status;
  const method = c.req.method;
  const route = c.get("route") ?? "unmatched";
  state.metrics.observe(method, route, status, ms / 1000);
  const principal = c.get("principal")?.id ?? "anonymous";
  const id = c.get("requestId");
  state.log?.(
    `${new Date().toISOString()} ${id} ${clientAddress(c)} ${method} ${c.req.path} ${status} ` +
      `${ms.toFixed(1)}ms ${principal}`,
  );
  const audited = route !== "unmatched" && !PROBES.has(route) && method !== "OPTIONS" &&
    (mustAudit(method, status) || status === 429);
  if (state.audit && audited) {
    void state.audit.write({
      time: new Date().toISOString(),
      request_id: id,
      principal,
      method,
      path: c.req.path,
      status,
      result: auditResult(status),
      duration_ms: Math.round(ms * 1000) / 1000,
      face: "rest",
    });
  }
}
