/**
 * Authenticating a request from its headers (townhall.md §5): mode `none` gives the local
 * principal; `api_key` reads `Authorization: Bearer <key>` (preferred) or `X-API-Key`; `oidc`
 * reads a JWT from `Authorization: Bearer`. Framework-neutral: give it a `Headers`.
 */
import type { TownhallSettings } from "../../town/config.ts";
import { ApiKeyVerifier } from "./api_key.ts";
import { OidcVerifier } from "./oidc.ts";
import { LOCAL_PRINCIPAL, type Principal, scopeSet } from "./scopes.ts";

/** Why a request was refused; `error` is the client-facing text of §2.8. */
export interface AuthFailure {
  ok: false;
  status: 401 | 403;
  error: "Authentication required" | "Invalid credentials" | "Insufficient permissions";
  /** For the server's own logs: never contains the credential. */
  reason: string;
}

/** The outcome of `authenticate`. */
export type AuthOutcome = { ok: true; principal: Principal } | AuthFailure;

/** Authenticates requests for one `[townhall.auth]` table; keeps the caches between calls. */
export interface Authenticator {
  /** The auth mode. */
  readonly mode: TownhallSettings["auth"]["mode"];
  /** Who the request with these headers is, or why it is refused. */
  authenticate(headers: Headers): Promise<AuthOutcome>;
}

/** Options for tests and embedders (the JWKS refetch cooldown). */
export interface AuthenticatorOptions {
  jwksCooldownMs?: number;
  apiKeyCacheTtlMs?: number;
}

/** An Authenticator for `auth` (validated by `checkTownhallConfig` first). */
export function createAuthenticator(
  auth: TownhallSettings["auth"],
  options: AuthenticatorOptions = {},
): Authenticator {
  const mode = auth.mode;
  if (mode === "none") {
    return { mode, authenticate: () => Promise.resolve({ ok: true, principal: LOCAL_PRINCIPAL }) };
  }
  if (mode === "api_key") {
    const verifier = auth.apiKeyHash === undefined
      ? undefined
      : new ApiKeyVerifier(auth.apiKeyHash, { ttlMs: options.apiKeyCacheTtlMs });
    const scopes = scopeSet(auth.apiKeyScopes);
    return {
      mode,
      async authenticate(headers) {
        const key = bearerToken(headers) ?? apiKeyHeader(headers);
        if (key === undefined || key === "") return required("no API key presented");
        if (!verifier) return required("api_key_hash is not configured");
        if (!(await verifier.verify(key))) return invalid("API key does not match");
        return { ok: true, principal: { id: "api_key", kind: "api_key", scopes } };
      },
    };
  }
  const verifier = auth.issuer && auth.audience && auth.jwksUrl
    ? new OidcVerifier({
      issuer: auth.issuer,
      audience: auth.audience,
      jwksUrl: auth.jwksUrl,
      requiredScopes: auth.requiredScopes,
      clockSkewSeconds: auth.clockSkewSeconds,
      jwksCooldownMs: options.jwksCooldownMs,
    })
    : undefined;
  return {
    mode,
    async authenticate(headers) {
      const token = bearerToken(headers);
      if (token === undefined || token === "") return required("no bearer token presented");
      if (!verifier) return required("oidc issuer/audience/jwks_url not configured");
      const r = await verifier.verify(token);
      if (r.ok) return r;
      return r.status === 403 ? forbidden(r.reason) : invalid(r.reason);
    },
  };
}

/** `Authorization: Bearer <token>` (capital B, one space), trimmed; else undefined. */
export function bearerToken(headers: Headers): string | undefined {
  const value = headers.get("authorization");
  if (value === null || !value.startsWith("Bearer ")) return undefined;
  return value.slice("Bearer ".length).trim();
}

function apiKeyHeader(headers: Headers): string | undefined {
  return headers.get("x-api-key")?.trim();
}

function required(reason: string): AuthFailure {
  return { ok: false, status: 401, error: "Authentication required", reason };
}

function invalid(reason: string): AuthFailure {
  return { ok: false, status: 401, error: "Invalid credentials", reason };
}

/** The 403 of a missing scope (also used by the route scope check). */
export function forbidden(reason: string): AuthFailure {
  return { ok: false, status: 403, error: "Insufficient permissions", reason };
}
