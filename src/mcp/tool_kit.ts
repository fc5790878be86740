/**
 * How a tool is described once and registered on every session's server: its group (which
 * decides the scope HTTP callers need), its input shape (zod), and what it does. The handler
 * returns the `data` of the envelope or throws; `defineTools` turns that into the envelope.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { contextOf } from "../lib/context.ts";
import type { Town } from "../lib/town.ts";
import type { TownContext } from "../service/context.ts";
import type { Scope } from "../townhall/security/scopes.ts";
import { fail, ok, succeeded } from "./envelope.ts";

/** The reference's three tool groups. */
export type ToolGroup = "read" | "write" | "manage";

/** The scope an HTTP caller needs for a tool of each group. */
export const GROUP_SCOPE: Readonly<Record<ToolGroup, Scope>> = {
  read: "town.read",
  write: "town.write",
  manage: "agent.manage",
};

/** What a running tool gets besides its arguments. */
export interface ToolContext {
  /** The opened town the service functions take. */
  ctx: TownContext;
  /** Aborts when the client cancels the call or the session ends. */
  signal: AbortSignal;
}

/** One tool. */
export interface ToolDef {
  name: string;
  description: string;
  group: ToolGroup;
  readOnly: boolean;
  input?: z.ZodRawShape;
  // deno-lint-ignore no-explicit-any
  run(args: any, ctx: ToolContext): Promise<unknown>;
}

/** A tool definition with its argument type inferred from the shape. */
export function tool<S extends z.ZodRawShape>(def: {
  name: string;
  description: string;
  group: ToolGroup;
  readOnly?: boolean;
  input?: S;
  run(args: z.infer<z.ZodObject<S>>, ctx: ToolContext): Promise<unknown>;
}): ToolDef {
  return { ...def, readOnly: def.readOnly ?? def.group === "read" };
}

/** Told about every finished call of a write or management tool (the audit log). */
export type ToolAudit = (
  call: { tool: string; ok: boolean; durationMs: number; principal: string },
) => void;

/** What the SDK hands a tool callback besides its arguments (the part used here). */
interface CallExtra {
  signal: AbortSignal;
  authInfo?: { clientId: string };
}

/** Registers the tools on one server. */
export function defineTools(
  server: McpServer,
  town: Town,
  tools: readonly ToolDef[],
  audit?: ToolAudit,
): void {
  const ctx = contextOf(town);
  for (const def of tools) {
    const handler = async (args: unknown, extra: CallExtra): Promise<CallToolResult> => {
      const t0 = performance.now();
      let result: CallToolResult;
      try {
        result = ok(await def.run(args ?? {}, { ctx, signal: extra.signal }));
      } catch (err) {
        result = fail(err);
      }
      if (def.group !== "read" && audit) {
        audit({
          tool: def.name,
          ok: succeeded(result),
          durationMs: performance.now() - t0,
          principal: extra.authInfo?.clientId ?? "local",
        });
      }
      return result;
    };
    server.registerTool(
      def.name,
      {
        description: def.description,
        ...(def.input ? { inputSchema: def.input } : {}),
        ...(def.readOnly ? { annotations: { readOnlyHint: true } } : {}),
      },
      (def.input
        ? (args: unknown, extra: CallExtra) => handler(args, extra)
        : (extra: CallExtra) => handler({}, extra)) as never,
    );
  }
}
