/**
 * Townhall security, shared by the REST and MCP faces and free of any HTTP framework:
 *
 *   const check = await checkServeConfig(config.townhall, bind, root);   // before listening
 *   if (check.fatal) { writeErr(check.fatal); exit(1) }
 *   const auth = createAuthenticator(config.townhall.auth);
 *   const limiter = config.townhall.rateLimit.enabled
 *     ? new RateLimiter(config.townhall.rateLimit) : undefined;
 *   const audit = new AuditLog(auditLogPath(paths.logsDir));
 *
 *   // per request:
 *   limiter?.takeAddress(clientIp)             -> 429 + rateLimitHeaders(d) when !d.allowed
 *   const r = await auth.authenticate(headers) -> r.ok ? r.principal : {status, error} (401/403)
 *   limiter?.takePrincipal(r.principal.id, method)
 *   hasScope(principal, "town.read")           -> else 403 forbidden(...)
 *   if (mustAudit(method, status)) audit.write({...})  // never a header value or key
 *
 * Error bodies for failures are `{"error": failure.error, "status": failure.status}`.
 */
export {
  type Authenticator,
  type AuthenticatorOptions,
  type AuthFailure,
  type AuthOutcome,
  bearerToken,
  createAuthenticator,
  forbidden,
} from "./authenticate.ts";
export { ApiKeyVerifier, generateApiKey, hashApiKey, isArgon2Phc } from "./api_key.ts";
export { type OidcSettings, OidcVerifier, tokenScopes } from "./oidc.ts";
export {
  hasScope,
  isScope,
  LOCAL_PRINCIPAL,
  type Principal,
  type Scope,
  SCOPES,
} from "./scopes.ts";
export {
  type BucketShape,
  type RateDecision,
  RateLimiter,
  rateLimitHeaders,
  TokenBuckets,
} from "./rate_limit.ts";
export { type AuditEntry, AuditLog, auditLogPath, auditResult, mustAudit } from "./audit.ts";
export { checkServeConfig, isLoopbackBind, type ServeCheck, serveHostname } from "./config.ts";
