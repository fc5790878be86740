/**
 * Serving the REST app: opens the town (starting its Redis like any command), applies the
 * start-up checks (loopback rule, auth, TLS; mTLS refused), listens with Deno.serve (TLS when
 * `[townhall.tls]` is enabled), and on SIGINT/SIGTERM stops accepting, lets in-flight requests
 * finish, then closes the audit log and the town.
 */
import { TtError } from "../../errors.ts";
import { contextOf } from "../../lib/context.ts";
import { Town } from "../../lib/town.ts";
import {
  AuditLog,
  auditLogPath,
  checkServeConfig,
  createAuthenticator,
  RateLimiter,
  serveHostname,
} from "../security/mod.ts";
import { buildRestApp } from "./app.ts";
import { problemResponse } from "./problem.ts";

/** Options of serveRest. */
export interface ServeRestOptions {
  /** The town folder. */
  town: string;
  /** Overrides `[townhall] bind`. */
  bind?: string;
  /** Overrides `[townhall] rest_port` (0 = any free port). */
  port?: number;
  /** One line per request and the start/stop lines (default: none). */
  log?: (line: string) => void;
  /** Aborting it shuts the server down like a signal (tests, embedders). */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers (the CLI does). */
  handleSignals?: boolean;
  /** Told the address once listening. */
  onListen?: (url: string) => void;
}

/** Serves until a signal (or `signal`) stops it; resolves once shut down cleanly. */
export async function serveRest(opts: ServeRestOptions): Promise<void> {
  const log = opts.log ?? (() => {});
  // A server outlives Redis restarts: requests during an outage wait up to 2 s, then get 503.
  const town = await Town.connect(opts.town, {
    redis: "keep",
    reconnect: { maxWaitMs: 2000, maxDelayMs: 500 },
  });
  try {
    const { open } = contextOf(town);
    const settings = open.config.townhall;
    const bind = opts.bind ?? settings.bind;
    const port = opts.port ?? settings.restPort;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new TtError(`port must be 0-65535, got ${port}`, { exitCode: 2 });
    }
    const check = await checkServeConfig(settings, bind, open.root);
    if (check.fatal) throw new TtError(check.fatal);
    for (const w of check.warnings) log(`warning: ${w}`);
    const tls = check.tls
      ? {
        cert: await Deno.readTextFile(check.tls.certFile),
        key: await Deno.readTextFile(check.tls.keyFile),
      }
      : undefined;
    const audit = new AuditLog(auditLogPath(open.paths.logsDir));
    audit.onError = (err) => log(`audit log write failed: ${(err as Error).message}`);
    const rest = buildRestApp({
      town,
      settings,
      authenticator: createAuthenticator(settings.auth),
      ...(settings.rateLimit.enabled ? { limiter: new RateLimiter(settings.rateLimit) } : {}),
      audit,
      log,
    });
    const stop = new AbortController();
    opts.signal?.addEventListener("abort", () => stop.abort(), { once: true });
    const onSignal = () => stop.abort();
    if (opts.handleSignals) {
      Deno.addSignalListener("SIGINT", onSignal);
      Deno.addSignalListener("SIGTERM", onSignal);
    }
    // Deno's shutdown() cuts request bodies still arriving, so requests in flight are drained
    // first: new ones get 503 while they finish, then the listener closes.
    let inFlight = 0;
    let draining = false;
    let idle: (() => void) | undefined;
    const handler = async (req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) => {
      if (draining) {
        return problemResponse(503, "townhall is shutting down", { connection: "close" });
      }
      inFlight++;
      try {
        return await rest.fetch(req, info);
      } finally {
        if (--inFlight === 0) idle?.();
      }
    };
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname: serveHostname(bind),
        port,
        ...(tls ?? {}),
        onListen: (addr) => {
          const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
          const url = `${tls ? "https" : "http"}://${host}:${addr.port}`;
          log(
            `townhall REST for town ${town.name} listening on ${url} (auth ${settings.auth.mode})`,
          );
          opts.onListen?.(url);
        },
      }, handler);
    } catch (err) {
      throw new TtError(`cannot listen on ${bind}:${port}: ${(err as Error).message}`);
    }
    stop.signal.addEventListener("abort", async () => {
      log(`townhall REST shutting down (finishing ${inFlight} request(s) in flight)`);
      draining = true;
      const drained = new Promise<void>((r) => (idle = r));
      if (inFlight > 0) {
        const limit = settings.requestTimeoutMs > 0 ? settings.requestTimeoutMs : 30_000;
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([drained, new Promise((r) => (timer = setTimeout(r, limit)))]);
        clearTimeout(timer);
      }
      await server.shutdown();
    }, { once: true });
    try {
      await server.finished;
    } finally {
      if (opts.handleSignals) {
        Deno.removeSignalListener("SIGINT", onSignal);
        Deno.removeSignalListener("SIGTERM", onSignal);
      }
      await audit.close();
    }
    log("townhall REST stopped");
  } finally {
    await town.close();
  }
}
