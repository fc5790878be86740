/**
 * MCP over HTTP with the REST face's security: API keys and scopes (401 and 403 before any
 * tool runs), the audit log, and the refusal to serve a public address without auth.
 */
import assert from "node:assert/strict";
import { serveHttp } from "../src/mcp/http.ts";
import { hashApiKey } from "../src/townhall/security/api_key.ts";
import { dataOf, httpClient } from "./helpers/mcp.ts";
import { makeTestTown } from "./helpers/tt.ts";

const KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

async function setAuth(dir: string, block: string): Promise<void> {
  const path = `${dir}/tinytown.toml`;
  const text = await Deno.readTextFile(path);
  const next = text.replace(
    /\[townhall\.auth\]\nmode = "none"\napi_key_scopes = \[\]\n/,
    `[townhall.auth]\n${block}\n`,
  );
  assert.notEqual(next, text);
  await Deno.writeTextFile(path, next);
}

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-03-26",
    capabilities: {},
    clientInfo: { name: "t", version: "1" },
  },
});

function post(url: string, headers: Record<string, string>, body = INIT) {
  return fetch(`${url}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body,
  });
}

Deno.test("mcp http auth: 401 without or with a wrong key, 403 for a tool outside the key's scopes", async () => {
  const town = await makeTestTown({ name: "mcp-auth" });
  let server: Awaited<ReturnType<typeof serveHttp>> | undefined;
  try {
    await setAuth(
      town.dir,
      `mode = "api_key"\napi_key_hash = "${await hashApiKey(KEY)}"\napi_key_scopes = ["town.read"]`,
    );
    server = await serveHttp({ town: town.dir, port: 0, env: town.env, log: () => {} });
    const none = await post(server.url, {});
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), { error: "Authentication required", status: 401 });
    const wrong = await post(server.url, { authorization: `Bearer ${"f".repeat(64)}` });
    assert.equal(wrong.status, 401);
    assert.deepEqual(await wrong.json(), { error: "Invalid credentials", status: 401 });

    const c = await httpClient(server.url, { "x-api-key": KEY });
    try {
      const status = dataOf(await c.client.callTool({ name: "town.get_status", arguments: {} }));
      assert.equal(status.name, "mcp-auth");
      await assert.rejects(
        c.client.callTool({ name: "backlog.add", arguments: { description: "nope" } }),
        /403|Insufficient permissions/,
      );
      await assert.rejects(
        c.client.callTool({ name: "agent.kill", arguments: { agent: "x" } }),
        /403|Insufficient permissions/,
      );
      const backlog = dataOf(await c.client.callTool({ name: "backlog.list", arguments: {} }));
      assert.deepEqual(backlog, [], "the refused backlog.add ran nothing");
    } finally {
      await c.close();
    }
    const audit = (await Deno.readTextFile(`${town.dir}/.tt/logs/audit.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l));
    assert.ok(audit.some((a) => a.status === 401 && a.principal === "anonymous"));
    assert.ok(audit.some((a) => a.status === 403 && a.principal === "api_key"));
    assert.ok(audit.every((a) => !JSON.stringify(a).includes(KEY)));
    assert.equal((await Deno.stat(`${town.dir}/.tt/logs/audit.jsonl`)).mode! & 0o777, 0o600);
  } finally {
    await server?.shutdown();
    await town.ok("stop").catch(() => {});
    await town.cleanup();
  }
});

Deno.test("mcp http auth: a public address without auth is refused at start-up", async () => {
  const town = await makeTestTown({ name: "mcp-public" });
  try {
    await assert.rejects(
      serveHttp({ town: town.dir, bind: "0.0.0.0", port: 0, env: town.env, log: () => {} }),
      /non-loopback/,
    );
    const r = await town.tt("townhall", "mcp-http", "-b", "0.0.0.0", "-p", "0");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: refusing to serve MCP HTTP on non-loopback address 0\.0\.0\.0/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  } finally {
    await town.ok("stop").catch(() => {});
    await town.cleanup();
  }
});
