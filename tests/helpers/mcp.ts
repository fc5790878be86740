/**
 * MCP test helpers: an SDK Client over Streamable HTTP, one in process on a linked pair, and
 * the envelope of a tool result.
 */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { type McpHost, openHost } from "../../src/mcp/host.ts";
import { makeTestTown, type TestTown } from "./tt.ts";

/** A connected client; `close()` ends the session (DELETE) and the transport. */
export async function httpClient(url: string, headers: Record<string, string> = {}) {
  const client = new Client({ name: "tt-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers },
  });
  await client.connect(transport);
  return {
    client,
    transport,
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

/** Minimal shape of a tools/call result. */
export interface ToolResult {
  content: unknown;
  isError?: boolean;
}

/** The parsed `{success, data|error}` envelope of a tool result. */
// deno-lint-ignore no-explicit-any
export function envelope(result: ToolResult): { success: boolean; data?: any; error?: string } {
  const content = result.content as { type: string; text: string }[];
  assert.equal(content.length, 1);
  assert.equal(content[0].type, "text");
  return JSON.parse(content[0].text);
}

/** The data of a successful tool result (fails the test on a failure envelope). */
// deno-lint-ignore no-explicit-any
export function dataOf(result: ToolResult): any {
  const e = envelope(result);
  assert.equal(e.success, true, `tool failed: ${e.error}`);
  return e.data;
}

/**
 * Runs `fn` with a fresh test town named `name`, its MCP host opened in process and the SDK's
 * Client connected to a stdio session of it over a linked pair; all is closed afterwards.
 */
export async function withInProcessClient(
  name: string,
  fn: (ctx: { town: TestTown; host: McpHost; client: Client }) => Promise<void>,
): Promise<void> {
  const town = await makeTestTown({ name });
  const host = await openHost(town.dir, () => {}, town.env).catch(async (err) => {
    await town.ok("stop").catch(() => {});
    await town.cleanup();
    throw err;
  });
  const session = host.session("stdio");
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "tt-test", version: "1.0.0" });
  try {
    await session.server.connect(serverSide);
    await client.connect(clientSide);
    await fn({ town, host, client });
  } finally {
    await client.close();
    await session.dispose();
    await host.close();
    await town.ok("stop").catch(() => {});
    await town.cleanup();
  }
}
