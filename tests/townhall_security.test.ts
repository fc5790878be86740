/** The framework-neutral townhall security parts: keys, scopes, buckets, audit file, checks. */
import assert from "node:assert/strict";
import {
  AuditLog,
  auditResult,
  checkServeConfig,
  createAuthenticator,
  generateApiKey,
  hasScope,
  isLoopbackBind,
  LOCAL_PRINCIPAL,
  mustAudit,
  TokenBuckets,
} from "../src/townhall/security/mod.ts";
import { defaultTownhallSettings } from "../src/town/config.ts";

Deno.test("api key: 64 hex chars, Argon2id PHC hash, verifies, a wrong key does not", async () => {
  const { key, hash } = await generateApiKey();
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  const th = defaultTownhallSettings();
  th.auth.mode = "api_key";
  th.auth.apiKeyHash = hash;
  const auth = createAuthenticator(th.auth);
  const h = (init: Record<string, string>) => new Headers(init);
  assert.equal((await auth.authenticate(h({ authorization: `Bearer ${key}` }))).ok, true);
  assert.equal((await auth.authenticate(h({ "x-api-key": key }))).ok, true);
  const wrong = await auth.authenticate(h({ authorization: `Bearer ${key}x` }));
  assert.deepEqual([wrong.ok, !wrong.ok && wrong.error], [false, "Invalid credentials"]);
  // Bearer wins over X-API-Key; a lowercase bearer does not count.
  const both = await auth.authenticate(h({ authorization: "Bearer nope", "x-api-key": key }));
  assert.equal(both.ok, false);
  const lower = await auth.authenticate(h({ authorization: `bearer ${key}` }));
  assert.deepEqual([lower.ok, !lower.ok && lower.error], [false, "Authentication required"]);
  // The cache answers a repeated key without another Argon2 run: much faster.
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) await auth.authenticate(h({ "x-api-key": key }));
  assert.ok(performance.now() - t0 < 200, "cached verifications are cheap");
});

Deno.test("scopes: admin implies the others; the others do not nest", () => {
  assert.ok(hasScope(LOCAL_PRINCIPAL, "agent.manage"));
  const reader = { id: "r", kind: "api_key" as const, scopes: new Set(["town.read" as const]) };
  assert.ok(hasScope(reader, "town.read"));
  assert.ok(!hasScope(reader, "town.write") && !hasScope(reader, "agent.manage"));
  const admin = { id: "a", kind: "api_key" as const, scopes: new Set(["admin" as const]) };
  assert.ok(hasScope(admin, "town.write"));
});

Deno.test("token bucket: a 5-token bucket allows 5, refuses the 6th, refills with time", () => {
  let now = 0;
  const b = new TokenBuckets({ capacity: 5, perMinute: 60 }, () => now);
  for (let i = 0; i < 5; i++) assert.ok(b.take("k").allowed);
  const refused = b.take("k");
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterSeconds, 1);
  assert.ok(b.take("other").allowed, "buckets are per key");
  now += 1000;
  assert.ok(b.take("k").allowed);
});

Deno.test("audit: JSON lines in a 0600 file, results by status", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const log = new AuditLog(`${dir}/logs/audit.jsonl`);
    const entry = {
      time: new Date().toISOString(),
      request_id: "r1",
      principal: "local",
      method: "POST",
      path: "/v1/backlog",
      status: 201,
      result: auditResult(201),
      duration_ms: 1,
    };
    await log.write(entry);
    await log.write({ ...entry, request_id: "r2", status: 403, result: auditResult(403) });
    await log.close();
    const lines = (await Deno.readTextFile(`${dir}/logs/audit.jsonl`)).trim().split("\n");
    assert.deepEqual(lines.map((l) => JSON.parse(l).result), ["success", "denied"]);
    assert.equal((await Deno.stat(`${dir}/logs/audit.jsonl`)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dir}/logs`)).mode! & 0o777, 0o700);
    assert.ok(mustAudit("POST", 200) && mustAudit("GET", 401) && !mustAudit("GET", 200));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve checks: loopback rule, api_key needs a hash, mTLS refused, TLS files", async () => {
  assert.ok(isLoopbackBind("127.0.0.1") && isLoopbackBind("[::1]") && !isLoopbackBind("0.0.0.0"));
  const th = defaultTownhallSettings();
  assert.match((await checkServeConfig(th, "0.0.0.0", "/")).fatal!, /without authentication/);
  assert.equal((await checkServeConfig(th, "127.0.0.1", "/")).fatal, undefined);
  th.auth.mode = "api_key";
  assert.match((await checkServeConfig(th, "127.0.0.1", "/")).fatal!, /needs api_key_hash/);
  th.auth.mode = "none";
  th.mtls.enabled = true;
  assert.match((await checkServeConfig(th, "127.0.0.1", "/")).fatal!, /mTLS is not supported/);
  th.mtls.enabled = false;
  th.tls = { enabled: true, certFile: "missing.pem", keyFile: "k.pem" };
  assert.equal(
    (await checkServeConfig(th, "127.0.0.1", "/")).fatal,
    "TLS cert_file does not exist",
  );
});

Deno.test("[townhall.rate_limit] is read with defaults and checked", async () => {
  const { parseTownConfig } = await import("../src/town/config.ts");
  const d = parseTownConfig('name = "t"\n', "t.toml").townhall.rateLimit;
  assert.deepEqual(d, {
    enabled: true,
    requestsPerMinute: 120,
    mutatingRequestsPerMinute: 60,
    burstSize: 20,
    perAddressRequestsPerMinute: 600,
    perAddressBurstSize: 60,
  });
  const c = parseTownConfig(
    'name = "t"\n[townhall.rate_limit]\nenabled = false\nburst_size = 5\n',
    "t.toml",
  );
  assert.deepEqual([c.townhall.rateLimit.enabled, c.townhall.rateLimit.burstSize], [false, 5]);
  assert.throws(
    () => parseTownConfig('name = "t"\n[townhall.rate_limit]\nburst_size = 0\n', "t.toml"),
    /burst_size/,
  );
});
