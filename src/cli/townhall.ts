/**
 * `tt townhall [rest]` (the REST server) and `tt auth gen-key`. Parsing and printing only;
 * the server lives in src/townhall/.
 */
import { lazyImport } from "../lazy.ts";
import type { Command } from "commander";
import { generateApiKey } from "../townhall/security/api_key.ts";
import { globalOptions } from "./globals.ts";
import { portNumber } from "./options.ts";
import { registerMcpSubcommands } from "./mcp.ts";
import { printJson, say, writeErr } from "./output.ts";

export function registerTownhallCommands(program: Command): void {
  const townhall = program
    .command("townhall")
    .description("serve the town's control plane: REST API (default) or MCP");
  townhall
    .command("rest", { isDefault: true })
    .description("serve the REST API (defaults from [townhall]: 127.0.0.1:8080)")
    .option("-b, --bind <addr>", "address to listen on (default: [townhall] bind)")
    .option(
      "-p, --port <n>",
      "port to listen on (default: [townhall] rest_port)",
      portNumber("--port"),
    )
    .action(async (opts: { bind?: string; port?: number }, cmd: Command) => {
      const { serveRest } = await lazyImport<typeof import("../townhall/rest/server.ts")>(
        "src/townhall/rest/server.ts",
      );
      await serveRest({
        town: globalOptions(cmd).town,
        ...(opts.bind !== undefined ? { bind: opts.bind } : {}),
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        log: (line) => writeErr(`${line}\n`),
        handleSignals: true,
      });
    });
  registerMcpSubcommands(townhall);

  const auth = program.command("auth").description("townhall authentication helpers");
  auth
    .command("gen-key")
    .description("make a new API key and the Argon2id hash for [townhall.auth] api_key_hash")
    .option("--json", "print the key and hash as JSON")
    .action(async (opts: { json?: boolean }) => {
      const { key, hash } = await generateApiKey();
      if (opts.json) return printJson({ api_key: key, api_key_hash: hash });
      say(
        "API Key (store securely, shown only once):",
        key,
        "",
        "API Key Hash (add to tinytown.toml):",
        hash,
        "",
        "Add to tinytown.toml:",
        "  [townhall.auth]",
        '  mode = "api_key"',
        `  api_key_hash = "${hash}"`,
        "",
        "Then call townhall with:",
        `  curl -H "Authorization: Bearer ${key.slice(0, 8)}..." http://localhost:8080/v1/status`,
      );
    });
}
