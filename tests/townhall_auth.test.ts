/**
 * Townhall auth, rate limits and audit over the REST app: API keys (401 without or with a
 * wrong key, 403 per scope), OIDC tokens signed with jose against a JWKS served on 127.0.0.1,
 * 429 with Retry-After and RateLimit-* headers, and the audit file's lines and mode.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { contextOf } from "../src/lib/context.ts";
import { AuditLog, auditLogPath, generateApiKey } from "../src/townhall/security/mod.ts";
import { libTown } from "./helpers/lib_town.ts";
import { restHarness, townhallSettings } from "./helpers/townhall.ts";

const { key, hash } = await generateApiKey();
const bearer = (k: string) => ({ headers: { authorization: `Bearer ${k}` } });

Deno.test("api_key: 401 without or with a wrong key, 200 with Bearer or X-API-Key", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await restHarness(
    town,
    townhallSettings((s) => {
      s.auth.mode = "api_key";
      s.auth.apiKeyHash = hash;
    }),
  );
  const none = await h.call("GET", "/v1/status");
  assert.deepEqual([none.status, none.body], [401, {
    error: "Authentication required",
    status: 401,
  }]);
  const wrong = await h.call("GET", "/v1/status", bearer("not-the-key"));
  assert.deepEqual(wrong.body, { error: "Invalid credentials", status: 401 });
  assert.equal((await h.call("GET", "/v1/status", bearer(key))).status, 200);
  assert.equal((await h.call("GET", "/v1/town", { headers: { "x-api-key": key } })).status, 200);
  // Public routes never need credentials; a preflight is answered before auth.
  assert.equal((await h.call("GET", "/health")).status, 200);
  const pre = await h.rest.fetch(
    new Request("http://x/v1/status", {
      method: "OPTIONS",
      headers: { origin: "http://a.example", "access-control-request-method": "GET" },
    }),
  );
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "*");
});

Deno.test("api_key scopes: town.read reads only; town.write writes but cannot read; 403 shape", async () => {
  await using t = await libTown();
  const town = await t.init();
  const scoped = (scopes: string[]) =>
    restHarness(
      town,
      townhallSettings((s) => {
        s.auth.mode = "api_key";
        s.auth.apiKeyHash = hash;
        s.auth.apiKeyScopes = scopes;
      }),
    );
  const reader = await scoped(["town.read"]);
  assert.equal((await reader.call("GET", "/v1/agents", bearer(key))).status, 200);
  const denied = await reader.call("POST", "/v1/backlog", {
    json: { description: "x" },
    ...bearer(key),
  });
  assert.deepEqual([denied.status, denied.body], [403, {
    error: "Insufficient permissions",
    status: 403,
  }]);
  assert.equal((await reader.call("POST", "/v1/recover", bearer(key))).status, 403);
  const writer = await scoped(["town.write"]);
  assert.equal((await writer.call("GET", "/v1/status", bearer(key))).status, 403);
  assert.equal(
    (await writer.call("POST", "/v1/backlog", { json: { description: "x" }, ...bearer(key) }))
      .status,
    201,
  );
  assert.equal(
    (await writer.call("POST", "/v1/agents/prune", { json: {}, ...bearer(key) })).status,
    403,
  );
  const manager = await scoped(["agent.manage"]);
  assert.equal(
    (await manager.call("POST", "/v1/agents/prune", { json: {}, ...bearer(key) })).status,
    200,
  );
  assert.equal((await manager.call("GET", "/v1/backlog", bearer(key))).status, 403);
  const admin = await scoped(["admin"]);
  assert.equal((await admin.call("POST", "/v1/recover", bearer(key))).status, 200);
  assert.equal((await admin.call("GET", "/v1/backlog", bearer(key))).status, 200);
});

/** An issuer: a signing key and a JWKS server on 127.0.0.1 whose key set can be rotated. */
async function issuer() {
  const keys: { kid: string; privateKey: CryptoKey; jwk: JWK }[] = [];
  const addKey = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256" } });
  };
  await addKey("k1");
  let published = 1;
  let fetches = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    fetches++;
    return Response.json({ keys: keys.slice(0, published).map((k) => k.jwk) });
  });
  const url = `http://127.0.0.1:${server.addr.port}/jwks.json`;
  return {
    url,
    fetches: () => fetches,
    async rotate(kid: string) {
      await addKey(kid);
      published = keys.length;
    },
    async unpublished(kid: string) {
      await addKey(kid); // signed with, never published
    },
    async sign(
      kid: string,
      claims: Record<string, unknown> = {},
      opts: { exp?: string; aud?: string } = {},
    ) {
      const k = keys.find((x) => x.kid === kid)!;
      return await new SignJWT({ scope: "town.read town.write", ...claims })
        .setProtectedHeader({ alg: "ES256", kid })
        .setIssuer("https://issuer.test")
        .setAudience(opts.aud ?? "townhall")
        .setSubject("alice")
        .setIssuedAt()
        .setExpirationTime(opts.exp ?? "5m")
        .sign(k.privateKey);
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

Deno.test("oidc: good token, expired, wrong audience, unknown kid, JWKS refresh, required scopes", async () => {
  await using idp = await issuer();
  await using t = await libTown();
  const town = await t.init();
  const settings = townhallSettings((s) => {
    s.auth.mode = "oidc";
    s.auth.issuer = "https://issuer.test";
    s.auth.audience = "townhall";
    s.auth.jwksUrl = idp.url;
    s.auth.clockSkewSeconds = 5;
  });
  const h = await restHarness(town, settings, { authOptions: { jwksCooldownMs: 0 } });
  const good = await h.call("GET", "/v1/status", bearer(await idp.sign("k1")));
  assert.equal(good.status, 200);
  const expired = await h.call(
    "GET",
    "/v1/status",
    bearer(await idp.sign("k1", {}, { exp: "-1m" })),
  );
  assert.deepEqual(expired.body, { error: "Invalid credentials", status: 401 });
  const aud = await h.call("GET", "/v1/status", bearer(await idp.sign("k1", {}, { aud: "other" })));
  assert.equal(aud.status, 401);
  await idp.unpublished("k-stray");
  assert.equal((await h.call("GET", "/v1/status", bearer(await idp.sign("k-stray")))).status, 401);
  // A key published after the first fetch is found by refetching on its unknown kid.
  const before = idp.fetches();
  await idp.rotate("k2");
  assert.equal((await h.call("GET", "/v1/status", bearer(await idp.sign("k2")))).status, 200);
  assert.ok(idp.fetches() > before, "the JWKS was fetched again");
  // Scopes come from the token: town.read/town.write here, so agent.manage is refused.
  assert.equal((await h.call("POST", "/v1/recover", bearer(await idp.sign("k1")))).status, 403);
  const scp = await idp.sign("k1", { scope: undefined, scp: ["agent.manage"] });
  assert.equal((await h.call("POST", "/v1/recover", bearer(scp))).status, 200);
  // Required scopes: a token without them is 403 even for a route it could use.
  settings.auth.requiredScopes = ["townhall.access"];
  const strict = await restHarness(town, settings, { authOptions: { jwksCooldownMs: 0 } });
  assert.equal((await strict.call("GET", "/v1/status", bearer(await idp.sign("k1")))).status, 403);
  const ok = await idp.sign("k1", { scope: "town.read townhall.access" });
  assert.equal((await strict.call("GET", "/v1/status", bearer(ok))).status, 200);
  assert.equal((await strict.call("GET", "/v1/status", bearer("not.a.jwt"))).status, 401);
});

Deno.test("rate limits: per principal and per address before auth; 429 with Retry-After", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await restHarness(
    town,
    townhallSettings((s) => {
      s.auth.mode = "api_key";
      s.auth.apiKeyHash = hash;
      s.rateLimit = {
        enabled: true,
        requestsPerMinute: 60,
        mutatingRequestsPerMinute: 60,
        burstSize: 3,
        perAddressRequestsPerMinute: 1,
        perAddressBurstSize: 5,
      };
    }),
  );
  const ok = await h.call("GET", "/v1/town", bearer(key));
  assert.equal(ok.headers.get("ratelimit-limit"), "3");
  assert.equal(ok.headers.get("ratelimit-remaining"), "2");
  await h.call("GET", "/v1/town", bearer(key));
  await h.call("GET", "/v1/town", bearer(key));
  const limited = await h.call("GET", "/v1/town", bearer(key));
  assert.equal(limited.status, 429);
  assert.equal(limited.body.error, "Rate limit exceeded");
  assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  assert.equal(limited.headers.get("ratelimit-remaining"), "0");
  // Guessing keys from one address: throttled before any key is checked.
  const other = "10.0.0.9";
  const codes = [];
  for (let i = 0; i < 7; i++) {
    codes.push(
      (await h.call("GET", "/v1/town", { ...bearer(`guess-${i}`), address: other })).status,
    );
  }
  assert.deepEqual(codes, [401, 401, 401, 401, 401, 429, 429]);
  // Probes are never limited.
  for (let i = 0; i < 10; i++) {
    assert.equal((await h.call("GET", "/health", { address: other })).status, 200);
  }
});

Deno.test("audit: one line per change or refusal, principal and status, no secrets, 0600", async () => {
  await using t = await libTown();
  const town = await t.init();
  const path = auditLogPath(contextOf(town).open.paths.logsDir);
  const audit = new AuditLog(path);
  const h = await restHarness(
    town,
    townhallSettings((s) => {
      s.auth.mode = "api_key";
      s.auth.apiKeyHash = hash;
      s.auth.apiKeyScopes = ["town.read", "town.write"];
    }),
    { audit },
  );
  await h.call("GET", "/v1/status", bearer(key)); // a read: not audited
  await h.call("POST", "/v1/backlog", { json: { description: "secret-free" }, ...bearer(key) });
  await h.call("POST", "/v1/recover", bearer(key)); // 403
  await h.call("GET", "/v1/status?token=abc", bearer("wrong-key-value")); // 401
  await audit.close();
  const text = await Deno.readTextFile(path);
  const lines = text.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.method, l.path, l.status, l.result, l.principal]), [
    ["POST", "/v1/backlog", 201, "success", "api_key"],
    ["POST", "/v1/recover", 403, "denied", "api_key"],
    ["GET", "/v1/status", 401, "denied", "anonymous"],
  ]);
  for (const l of lines) {
    assert.match(l.request_id, /^[0-9a-f-]{36}$/);
    assert.equal(typeof l.duration_ms, "number");
    assert.ok(!Number.isNaN(Date.parse(l.time)));
  }
  assert.ok(!text.includes(key) && !text.includes("wrong-key-value") && !text.includes("abc"));
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
});
