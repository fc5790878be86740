/**
 * OIDC bearer tokens: a JWT verified against the issuer's JWKS (fetched on first use, cached,
 * fetched again when a token names an unknown `kid`), with `iss`, `aud`, `exp` and `nbf`
 * checked allowing `clock_skew_seconds`, and the `scope`/`scp` claim compared with the
 * required scopes. Built on `jose`.
 */
import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import type { JWTPayload } from "jose";
import { isScope, type Principal, type Scope } from "./scopes.ts";

/** What OidcVerifier needs; the `[townhall.auth]` oidc keys. */
export interface OidcSettings {
  issuer: string;
  audience: string;
  jwksUrl: string;
  requiredScopes: readonly string[];
  clockSkewSeconds: number;
  /** Least time between two JWKS fetches caused by unknown `kid`s. Default 30 s. */
  jwksCooldownMs?: number;
}

/** The outcome of checking one token. */
export type OidcOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401 | 403; reason: string };

/** Verifies tokens of one issuer. */
export class OidcVerifier {
  readonly #settings: OidcSettings;
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(settings: OidcSettings) {
    this.#settings = settings;
    this.#jwks = createRemoteJWKSet(new URL(settings.jwksUrl), {
      cooldownDuration: settings.jwksCooldownMs ?? 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5_000,
    });
  }

  /** Checks `token`; `reason` (for logs, never the token) says why one was refused. */
  async verify(token: string): Promise<OidcOutcome> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks, {
        issuer: this.#settings.issuer,
        audience: this.#settings.audience,
        clockTolerance: this.#settings.clockSkewSeconds,
        requiredClaims: ["exp"],
      }));
    } catch (err) {
      return { ok: false, status: 401, reason: refusal(err) };
    }
    const granted = tokenScopes(payload);
    const missing = this.#settings.requiredScopes.filter((s) => !granted.has(s));
    if (missing.length > 0) {
      return { ok: false, status: 403, reason: `token lacks scope ${missing.join(", ")}` };
    }
    const scopes = new Set<Scope>([...granted].filter(isScope));
    const sub = typeof payload.sub === "string" ? payload.sub : "unknown";
    return { ok: true, principal: { id: `oidc:${sub}`, kind: "oidc", scopes } };
  }
}

/** The scopes of a token: `scope` (space-separated) or `scp` (array or string). */
export function tokenScopes(payload: JWTPayload): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === "string") v.split(/\s+/).filter(Boolean).forEach((s) => out.add(s));
    else if (Array.isArray(v)) v.forEach((s) => typeof s === "string" && out.add(s));
  };
  add(payload.scope);
  add(payload.scp);
  return out;
}

function refusal(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "token expired";
  if (err instanceof errors.JWTClaimValidationFailed) return `claim ${err.claim} invalid`;
  if (err instanceof errors.JWKSNoMatchingKey) return "no JWKS key matches the token";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "bad signature";
  if (err instanceof errors.JOSEError) return err.code;
  return "JWKS unavailable";
}
