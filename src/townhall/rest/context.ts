/** What every REST route and middleware shares: the town, the security parts, the hooks. */
import type { Context } from "hono";
import type { Town } from "../../lib/town.ts";
import type { TownContext } from "../../service/context.ts";
import type { TownhallSettings } from "../../town/config.ts";
import type { AuditLog, Authenticator, Principal, RateLimiter, Scope } from "../security/mod.ts";
import type { HttpMetrics } from "./http_metrics.ts";

/** The Hono environment of the app. */
export interface RestEnv {
  Bindings: { remoteAddr?: Deno.NetAddr };
  Variables: { principal?: Principal; requestId: string; route?: string };
}

/** A route context. */
export type RestContext = Context<RestEnv>;

/** What the REST app is built from. */
export interface RestDeps {
  /** The open town (library handle) the services act on. */
  town: Town;
  /** `[townhall]` of the town's tinytown.toml. */
  settings: TownhallSettings;
  authenticator: Authenticator;
  /** Absent: no rate limiting (`[townhall.rate_limit] enabled = false`). */
  limiter?: RateLimiter;
  /** Absent: nothing audited (tests of other parts). */
  audit?: AuditLog;
  /** Gets one line per request (stderr in the server); absent: no request log. */
  log?: (line: string) => void;
  /** Whether the mission service is available; false answers 501 on mission routes. */
  missions?: boolean;
}

/** Shared state of one app. */
export interface RestState extends RestDeps {
  /** The service layer's view of the town (from the library handle). */
  ctx: TownContext;
  metrics: HttpMetrics;
  /** When the server started (for `/health` uptime). */
  startedAt: number;
}

/** One route: method, Hono path, the scope it needs (none: public), and its handler. */
export interface RouteDef {
  method: "GET" | "POST" | "DELETE";
  path: string;
  scope?: Scope;
  handler: (c: RestContext) => Promise<Response> | Response;
}
