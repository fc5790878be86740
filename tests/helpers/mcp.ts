/** MCP test helpers: an SDK Client over Streamable HTTP, and the envelope of a tool result. */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

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
