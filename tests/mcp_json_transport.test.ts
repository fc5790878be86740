/**
 * The JSON-response transport frees each answered stream: without it the SDK keeps every
 * response of a session alive (modelcontextprotocol/typescript-sdk#2559). Driven with real
 * HTTP requests, single and batched, against a real SDK server.
 */
import assert from "node:assert/strict";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { jsonResponseTransport, openStreams } from "../src/mcp/json_transport.ts";

const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

async function withServer(
  fn: (url: string, streams: () => number) => Promise<void>,
): Promise<void> {
  const mcp = new McpServer({ name: "t", version: "1.0.0" });
  mcp.registerTool("echo", { description: "answers ok" }, () => ({
    content: [{ type: "text", text: "ok" }],
  }));
  const transport = jsonResponseTransport({ sessionIdGenerator: () => crypto.randomUUID() });
  await mcp.connect(transport);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => transport.handleRequest(req),
  );
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/mcp`, () => openStreams(transport));
  } finally {
    await transport.close();
    await server.shutdown();
  }
}

async function post(url: string, body: unknown, session?: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: { ...HEADERS, ...(session ? { "mcp-session-id": session } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { res, json: text ? JSON.parse(text) : undefined };
}

async function initialize(url: string): Promise<string> {
  const { res } = await post(url, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: {
      protocolVersion: "2025-03-26",
      capabilities: {},
      clientInfo: { name: "t", version: "1" },
    },
  });
  const session = res.headers.get("mcp-session-id");
  assert.ok(session, "initialize returns a session id");
  await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, session);
  return session;
}

const call = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "echo", arguments: {} },
});

Deno.test("each answered call frees its stream, so a session does not grow", async () => {
  await withServer(async (url, streams) => {
    const session = await initialize(url);
    assert.equal(streams(), 0, "initialize's stream is freed");
    for (let i = 1; i <= 25; i++) {
      const { json } = await post(url, call(i), session);
      assert.equal(json.id, i);
      assert.equal(json.result.content[0].text, "ok");
      assert.equal(streams(), 0, `after call ${i}`);
    }
  });
});

Deno.test("a batch is answered whole, then its stream is freed", async () => {
  await withServer(async (url, streams) => {
    const session = await initialize(url);
    const { json } = await post(url, [call(1), call(2), call(3)], session);
    assert.ok(Array.isArray(json), "a batch gets an array");
    assert.deepEqual(json.map((r: { id: number }) => r.id).sort(), [1, 2, 3]);
    assert.equal(streams(), 0);
  });
});

Deno.test("a failed call (unknown tool) frees its stream too", async () => {
  await withServer(async (url, streams) => {
    const session = await initialize(url);
    const { json } = await post(url, {
      jsonrpc: "2.0",
      id: 9,
      method: "tools/call",
      params: { name: "missing", arguments: {} },
    }, session);
    assert.equal(json.id, 9);
    assert.ok(json.error || json.result?.isError, "the call is answered as failed");
    assert.equal(streams(), 0);
  });
});
