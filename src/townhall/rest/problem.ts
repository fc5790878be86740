/**
 * Error bodies of the REST face (townhall.md §2.8): problem details for everything but auth,
 * `{"error","status"}` for 401/403/429, and the mapping from tt's typed errors to statuses —
 * "not found" is 404 everywhere, ambiguity and conflicts 409, bad input 400/413/415/422,
 * Redis outages 503; only a bug is a 500.
 */
import {
  AgentNotFoundError,
  ConfigError,
  describeError,
  NotInitializedError,
  TaskNotFoundError,
  TtError,
  UsageError,
} from "../../errors.ts";
import { RedisConnectionError, RedisError, RedisReplyError } from "../../redis/errors.ts";
import { AgentNameConflictError } from "../../store/agents.ts";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

/** A problem-details body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

/** The problem-details body of `status` with `detail`. */
export function problem(status: number, detail: string): Problem {
  return {
    type: `https://tinytown.dev/errors/${status}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
  };
}

/** A JSON response of a problem. */
export function problemResponse(
  status: number,
  detail: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json(problem(status, detail), { status, headers });
}

/** An error a route throws to answer with a given status and detail. */
export class HttpProblem extends Error {
  constructor(readonly status: number, detail: string) {
    super(detail);
  }
}

/** The status an error thrown by the service layer maps to. */
export function statusOf(err: unknown): number {
  if (err instanceof HttpProblem) return err.status;
  if (err instanceof AgentNotFoundError || err instanceof TaskNotFoundError) return 404;
  if (err instanceof NotInitializedError) return 503;
  if (err instanceof AgentNameConflictError) return 409;
  if (err instanceof UsageError || err instanceof ConfigError) return 400;
  if (err instanceof TtError) {
    if (/not found|not in the backlog|no agent|no task/i.test(err.message)) return 404;
    if (/ambiguous|already|still|in use|taken|race|claimed by|belongs to/i.test(err.message)) {
      return 409;
    }
    return 400;
  }
  // A body cut mid-way (read by the size limit before any route): the client's doing.
  if (err instanceof Error && /request body/i.test(err.message)) return 400;
  if (err instanceof RedisConnectionError || err instanceof RedisError) {
    return err instanceof RedisReplyError ? 500 : 503;
  }
  return 500;
}

/** The detail text shown for an error: its one line, except for bugs (kept in the log). */
export function detailOf(err: unknown, status: number): string {
  if (status === 500) return "internal error (see the townhall log)";
  if (status === 503 && !(err instanceof TtError)) {
    return `Redis unavailable: ${describeError(err)}`;
  }
  return describeError(err);
}
