/**
 * What both MCP transports share for one process: the open town, the event feed behind
 * resource subscriptions, the audit log, and a session factory. Logs go to the given writer
 * (stderr), never to stdout, which belongs to JSON-RPC in stdio mode.
 */
import { Town } from "../lib/town.ts";
import { contextOf } from "../lib/context.ts";
import { type AuditEntry, AuditLog, auditLogPath } from "../townhall/security/audit.ts";
import { createSession, type Session } from "./server.ts";
import { TownWatch } from "./town_watch.ts";

export interface McpHost {
  town: Town;
  watch: TownWatch;
  audit: AuditLog;
  log(line: string): void;
  /** A new session's server; `face` names the transport in audit lines. */
  session(face: "stdio" | "http"): Session;
  close(): Promise<void>;
}

/**
 * Opens the town at `townPath` (starting its Redis if needed; it keeps running after). `env`
 * overrides process variables (TT_HOME, REDIS_URL, ...) for the town and the loops it starts.
 */
export async function openHost(
  townPath: string,
  log: (line: string) => void,
  env?: Record<string, string>,
): Promise<McpHost> {
  const town = await Town.connect(townPath, { redis: "keep", ...(env ? { env } : {}) });
  const watch = new TownWatch(town);
  watch.onError = (err) => log(`event feed ended: ${err instanceof Error ? err.message : err}`);
  const audit = new AuditLog(auditLogPath(contextOf(town).open.paths.logsDir));
  audit.onError = (err) => log(`audit log: ${err instanceof Error ? err.message : err}`);
  return {
    town,
    watch,
    audit,
    log,
    session: (face) =>
      createSession({
        town,
        watch,
        audit: (call) => {
          const entry: AuditEntry & { tool: string } = {
            time: new Date().toISOString(),
            request_id: crypto.randomUUID(),
            principal: call.principal,
            method: "tools/call",
            path: face === "http" ? "/mcp" : "stdio",
            status: 200,
            result: call.ok ? "success" : "error",
            duration_ms: Math.round(call.durationMs),
            face: "mcp",
            tool: call.tool,
          };
          audit.write(entry);
        },
      }),
    async close() {
      await watch.close();
      await audit.close();
      await town.close();
    },
  };
}
