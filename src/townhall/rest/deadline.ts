/**
 * The whole-request timeout (`[townhall] request_timeout_ms`) as Hono middleware. One shared
 * interval checks the requests in flight, instead of a timer per request (a timer per request
 * cost a third of the throughput of a small GET): a request past its deadline is answered 408
 * within a quarter second of it (its handler is left to finish in the background).
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";

interface Waiter {
  deadline: number;
  expire: () => void;
}

/** Middleware answering `onTimeout()` for a request still running after `ms`. */
export function deadline(ms: number, onTimeout: () => Response): MiddlewareHandler {
  const waiting = new Set<Waiter>();
  let ticker: ReturnType<typeof setInterval> | undefined;
  const tick = () => {
    const now = performance.now();
    for (const w of waiting) if (now >= w.deadline) w.expire();
    if (waiting.size === 0) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };
  return async (_c, next) => {
    let waiter!: Waiter;
    const expired = new Promise<never>((_, reject) => {
      waiter = {
        deadline: performance.now() + ms,
        expire: () => reject(new HTTPException(408, { res: onTimeout() })),
      };
    });
    expired.catch(() => {}); // a request that finished first leaves it unobserved
    waiting.add(waiter);
    if (ticker === undefined) {
      ticker = setInterval(tick, Math.min(250, ms));
      Deno.unrefTimer(ticker); // never keeps the process alive on its own
    }
    try {
      await Promise.race([next(), expired]);
    } finally {
      waiting.delete(waiter);
    }
  };
}
