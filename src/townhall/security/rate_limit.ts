/**
 * Token buckets keyed by a string (`principal:{id}:read`, `addr:{ip}`): each request takes one
 * token; a bucket holds at most `capacity` and refills `perMinute` tokens a minute. The
 * outcome carries what the `RateLimit-*` and `Retry-After` headers need.
 */

/** The shape of one family of buckets. */
export interface BucketShape {
  capacity: number;
  perMinute: number;
}

/** The outcome of taking a token. */
export interface RateDecision {
  allowed: boolean;
  /** Bucket capacity (`RateLimit-Limit`). */
  limit: number;
  /** Whole tokens left after this request (`RateLimit-Remaining`). */
  remaining: number;
  /** Seconds until the bucket is full again (`RateLimit-Reset`). */
  resetSeconds: number;
  /** Seconds until one token is back (`Retry-After`, when refused). */
  retryAfterSeconds: number;
}

/** A family of buckets of one shape. Idle full buckets are dropped as the map grows. */
export class TokenBuckets {
  readonly #shape: BucketShape;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #now: () => number;

  /** `now` (ms) is for tests of refill; default Date.now. */
  constructor(shape: BucketShape, now: () => number = Date.now) {
    this.#shape = shape;
    this.#now = now;
  }

  /** Takes one token from `key`'s bucket if it has one. */
  take(key: string): RateDecision {
    const { capacity, perMinute } = this.#shape;
    const perMs = perMinute / 60_000;
    const now = this.#now();
    const b = this.#buckets.get(key) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + (now - b.at) * perMs);
    b.at = now;
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    this.#buckets.set(key, b);
    if (this.#buckets.size > 10_000) this.#sweep(now, perMs);
    return {
      allowed,
      limit: capacity,
      remaining: Math.floor(b.tokens),
      resetSeconds: Math.ceil((capacity - b.tokens) / perMs / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)),
    };
  }

  #sweep(now: number, perMs: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * perMs >= this.#shape.capacity) this.#buckets.delete(key);
    }
  }
}

/** The headers of a decision (`Retry-After` only on a refusal). */
export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  const h: Record<string, string> = {
    "RateLimit-Limit": String(d.limit),
    "RateLimit-Remaining": String(d.remaining),
    "RateLimit-Reset": String(d.resetSeconds),
  };
  if (!d.allowed) h["Retry-After"] = String(d.retryAfterSeconds);
  return h;
}

/** The `[townhall.rate_limit]` policy: address buckets before auth, principal buckets after. */
export class RateLimiter {
  readonly #address: TokenBuckets;
  readonly #read: TokenBuckets;
  readonly #write: TokenBuckets;

  constructor(config: {
    requestsPerMinute: number;
    mutatingRequestsPerMinute: number;
    burstSize: number;
    perAddressRequestsPerMinute: number;
    perAddressBurstSize: number;
  }) {
    this.#address = new TokenBuckets({
      capacity: config.perAddressBurstSize,
      perMinute: config.perAddressRequestsPerMinute,
    });
    this.#read = new TokenBuckets({
      capacity: config.burstSize,
      perMinute: config.requestsPerMinute,
    });
    this.#write = new TokenBuckets({
      capacity: config.burstSize,
      perMinute: config.mutatingRequestsPerMinute,
    });
  }

  /** Before authentication: one token of the client address's bucket. */
  takeAddress(address: string): RateDecision {
    return this.#address.take(`addr:${address}`);
  }

  /** After authentication: one token of the principal's read or write bucket. */
  takePrincipal(principalId: string, method: string): RateDecision {
    const write = !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
    return (write ? this.#write : this.#read).take(`principal:${principalId}`);
  }
}
