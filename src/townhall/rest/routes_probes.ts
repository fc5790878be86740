/**
 * Public routes (no auth): `/health`, `/ready`, `/metrics`, `/api/scaling` and the OpenAPI
 * document (townhall.md §3.2, extended §7.2).
 */
import { describeError } from "../../errors.ts";
import * as townService from "../../service/town.ts";
import * as workload from "../../service/workload.ts";
import type { RestState, RouteDef } from "./context.ts";
import { openApiDocument } from "./openapi.ts";
import { problemResponse } from "./problem.ts";
import { townMetricLines } from "./town_metrics.ts";

const PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

export function probeRoutes(state: RestState): RouteDef[] {
  const { ctx } = state;
  const health = () =>
    Response.json({
      status: "ok",
      uptime_secs: Math.floor((Date.now() - state.startedAt) / 1000),
    });
  const ready = async () => {
    try {
      const ms = await townService.ping(ctx);
      return Response.json({
        status: "ready",
        redis: "connected",
        redis_latency_ms: Math.round(ms * 1000) / 1000,
        dispatcher: await workload.dispatcherStatus(ctx),
        town: ctx.open.name,
      });
    } catch (err) {
      return Response.json({
        status: "not_ready",
        redis: "disconnected",
        dispatcher: "unknown",
        town: ctx.open.name,
        detail: `Redis ping failed: ${describeError(err)}`,
      }, { status: 503 });
    }
  };
  const metrics = async () => {
    let lines: string[];
    let status = 200;
    try {
      lines = townMetricLines(await workload.metrics(ctx));
    } catch (err) {
      status = 503;
      lines = townMetricLines(undefined, describeError(err));
    }
    lines.push(...state.metrics.lines());
    return new Response(lines.join("\n") + "\n", {
      status,
      headers: { "content-type": PROMETHEUS },
    });
  };
  let openapi: string | undefined;
  return [
    { method: "GET", path: "/health", handler: health },
    { method: "GET", path: "/healthz", handler: health },
    { method: "GET", path: "/ready", handler: ready },
    { method: "GET", path: "/readyz", handler: ready },
    { method: "GET", path: "/metrics", handler: metrics },
    {
      method: "GET",
      path: "/api/scaling",
      handler: async () => {
        try {
          return Response.json(await workload.scaling(ctx));
        } catch (err) {
          return problemResponse(503, `Failed to compute scaling: ${describeError(err)}`);
        }
      },
    },
    {
      method: "GET",
      path: "/openapi.json",
      handler: () =>
        new Response(openapi ??= JSON.stringify(openApiDocument()), {
          headers: { "content-type": "application/json" },
        }),
    },
  ];
}
