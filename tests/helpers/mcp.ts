/**
 * MCP test helpers: an SDK Client over Streamable HTTP or in process, and the envelope of a
 * tool result.
 */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { openHost } from "../../src/mcp/host.ts";
import { makeTestTown } from "./tt.ts";

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
 * An MCP session in this process over a new test town: the host (its library Town is
 * `host.town`), an SDK client on a linked in-memory pair, and `call` for tools/call. `close()`
 * ends the client, the session and the host, then stops and removes the town.
 */
export async function inProcessMcp(name: string) {
  const town = await makeTestTown({ name });
  const host = await openHost(town.dir, () => {}, town.env).catch(async (err) => {
    await town.ok("stop").catch(() => {});
    await town.cleanup();
    throw err;
  });
  const session = host.session("stdio");
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "tt-test", version: "1.0.0" });
  const close = async () => {
    await client.close();
    await session.dispose();
    await host.close();
    await town.ok("stop").catch(() => {});
    await town.cleanup();
  };
  try {
    await session.server.connect(serverSide);
    await client.connect(clientSide);
  } catch (err) {
    await close();
    throw err;
  }
  const call = async (tool: string, args: Record<string, unknown> = {}) =>
    await client.callTool({ name: tool, arguments: args });
  return { town, host, client, call, close };
}
