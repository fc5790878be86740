/**
 * The SDK's Streamable HTTP server transport in JSON-response mode, without its leak: in
 * @modelcontextprotocol/sdk 1.x the transport registers one stream per POST and, in JSON
 * mode, resolves the response without ever removing that entry
 * (modelcontextprotocol/typescript-sdk#2559). Every call of a long-lived session then keeps
 * its Response, headers and body alive for the life of the session: about 5 KB per
 * `town.get_status`, so a busy `tt townhall mcp-http` grew without bound and its garbage
 * collections grew longer with it (the p99 of the MCP benchmark).
 *
 * The fix: after each `send` that answered the last request of a JSON-mode stream, drop the
 * stream's entry. It reads two of the transport's internal maps; if a later SDK renames
 * them, the workaround does nothing rather than break (tests/mcp_json_transport.test.ts
 * notices the leak coming back).
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";

/** The transport's internals the workaround touches (private in the SDK's types). */
interface Internals {
  _streamMapping?: Map<string, { resolveJson?: unknown }>;
  _requestToStreamMapping?: Map<RequestId, string>;
}

type Options = ConstructorParameters<typeof WebStandardStreamableHTTPServerTransport>[0];

/** A transport in JSON-response mode (`enableJsonResponse` is set here) that frees each answered stream. */
export function jsonResponseTransport(
  options: Omit<NonNullable<Options>, "enableJsonResponse">,
): WebStandardStreamableHTTPServerTransport {
  const transport = new WebStandardStreamableHTTPServerTransport({
    ...options,
    enableJsonResponse: true,
  });
  const inner = transport as unknown as Internals;
  const send = transport.send.bind(transport);
  transport.send = async (
    message: JSONRPCMessage,
    sendOptions?: { relatedRequestId?: RequestId },
  ) => {
    const answers = "id" in message && ("result" in message || "error" in message);
    const streamId = answers ? inner._requestToStreamMapping?.get(message.id) : undefined;
    await send(message, sendOptions);
    if (streamId === undefined) return;
    const stream = inner._streamMapping?.get(streamId);
    if (stream?.resolveJson === undefined) return; // an SSE stream: the SDK ends it itself
    // Still waiting for another request of the same POST (a batch)?
    for (const sid of inner._requestToStreamMapping?.values() ?? []) if (sid === streamId) return;
    inner._streamMapping?.delete(streamId);
  };
  return transport;
}

/** How many streams a transport holds (tests: it must not grow with calls). */
export function openStreams(transport: WebStandardStreamableHTTPServerTransport): number {
  return (transport as unknown as Internals)._streamMapping?.size ?? 0;
}
