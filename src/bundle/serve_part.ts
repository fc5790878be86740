/**
 * A split point of the bundle (src/bundle/entry.ts): the MCP and REST servers (the MCP SDK, Hono).
 */
export * as mcpHttp from "../mcp/http.ts";
export * as mcpStdio from "../mcp/stdio.ts";
export * as townhallRestServer from "../townhall/rest/server.ts";
