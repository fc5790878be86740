/**
 * `tt mcp` (short for `tt townhall mcp-stdio`) and `tt townhall mcp-stdio|mcp-http`: the MCP
 * face. Parsing only; the servers live in src/mcp/. Logs go to stderr: in stdio mode stdout
 * carries nothing but JSON-RPC.
 */
import { lazyImport } from "../lazy.ts";
import type { Command } from "commander";
import { globalOptions } from "./globals.ts";
import { portNumber } from "./options.ts";
import { writeErr } from "./output.ts";

const log = (line: string) => writeErr(`${line}\n`);

async function runStdio(cmd: Command): Promise<void> {
  const { serveStdio } = await lazyImport<typeof import("../mcp/stdio.ts")>("src/mcp/stdio.ts");
  await serveStdio(globalOptions(cmd).town, log);
}

/** Adds `mcp-stdio` and `mcp-http` to the `townhall` command. */
export function registerMcpSubcommands(townhall: Command): void {
  townhall
    .command("mcp-stdio")
    .description("serve MCP on stdin/stdout (for agent CLIs; logs on stderr)")
    .action((_opts: unknown, cmd: Command) => runStdio(cmd));
  townhall
    .command("mcp-http")
    .description("serve MCP over Streamable HTTP at /mcp (default [townhall] bind, rest_port + 1)")
    .option("-b, --bind <addr>", "address to listen on (default: [townhall] bind)")
    .option(
      "-p, --port <n>",
      "port to listen on (default: [townhall] rest_port + 1)",
      portNumber("--port"),
    )
    .action(async (opts: { bind?: string; port?: number }, cmd: Command) => {
      const { serveHttp } = await lazyImport<typeof import("../mcp/http.ts")>("src/mcp/http.ts");
      const server = await serveHttp({
        town: globalOptions(cmd).town,
        ...(opts.bind !== undefined ? { bind: opts.bind } : {}),
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        log,
      });
      const stop = () => void server.shutdown();
      Deno.addSignalListener("SIGINT", stop);
      Deno.addSignalListener("SIGTERM", stop);
      try {
        await server.finished;
      } finally {
        Deno.removeSignalListener("SIGINT", stop);
        Deno.removeSignalListener("SIGTERM", stop);
      }
    });
}

/**
 * `tt mcp`, and `tt townhall` with the MCP subcommands when no other group made `townhall`
 * (the REST face registers it and calls registerMcpSubcommands itself).
 */
export function registerMcpCommands(program: Command): void {
  program
    .command("mcp")
    .description("serve MCP on stdin/stdout (same as 'tt townhall mcp-stdio')")
    .action((_opts: unknown, cmd: Command) => runStdio(cmd));
  if (!program.commands.some((c) => c.name() === "townhall")) {
    registerMcpSubcommands(
      program.command("townhall").description("serve the town's control plane (MCP)"),
    );
  }
}
