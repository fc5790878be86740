/**
 * Checks made before an agent loop starts (`tt spawn`, `tt restart`), so that a CLI that cannot
 * run is refused with one line instead of putting the agent into Error a moment later: its
 * workdir must be a directory and its program must be found the way the round will look it up.
 * Also the warnings that do not stop it (claude as root without IS_SANDBOX).
 */
import { envObject } from "../town/env.ts";
import { TtError } from "../errors.ts";
import type { AgentCli } from "../town/cli_presets.ts";
import { basename } from "../path.ts";
import { cliEnvironment, cliWorkdir, findProgram, isDirectory } from "../agent/cli_env.ts";

/** How to get each known agent CLI's program, by program name. */
const INSTALL_HINTS: ReadonlyMap<string, string> = new Map([
  ["claude", "npm install -g @anthropic-ai/claude-code"],
  ["codex", "npm install -g @openai/codex"],
  ["gemini", "npm install -g @google/gemini-cli"],
  ["copilot", "npm install -g @github/copilot"],
  ["auggie", "npm install -g @augmentcode/auggie"],
  ["aider", "pip install aider-chat"],
  ["cursor-agent", "Cursor's installer: curl https://cursor.com/install -fsS | bash"],
]);

export function installHint(program: string): string | undefined {
  return INSTALL_HINTS.get(basename(program));
}

export interface CliCheckOptions {
  townRoot: string;
  /** The town's `.tt/bin`, which the round puts first on the CLI's PATH. */
  shimDir: string;
  /** Whether `cli.name` is an `[agent_clis]` key or preset (else: a command used verbatim). */
  configured: boolean;
}

/**
 * Throws a TtError (one line) when the CLI cannot start; returns warnings (one line each,
 * without a prefix) otherwise.
 */
export async function checkAgentCli(cli: AgentCli, opts: CliCheckOptions): Promise<string[]> {
  const workdir = cliWorkdir(opts.townRoot, cli);
  if (!(await isDirectory(workdir))) {
    throw new TtError(
      `agent CLI '${cli.name}': its workdir ${workdir} is not a directory ` +
        `([agent_clis.${cli.name}] workdir = ${JSON.stringify(cli.workdir)} in tinytown.toml, ` +
        "relative to the town root)",
    );
  }
  const program = cli.argv[0];
  const env = cliEnvironment(
    cli,
    { TINYTOWN_AGENT_ID: "", TINYTOWN_AGENT_NAME: "", TINYTOWN_TOWN: opts.townRoot },
    opts.shimDir,
  );
  const found = await findProgram(program, env.PATH, workdir);
  const runs = `agent CLI '${cli.name}' runs '${program}'`;
  if (found.kind === "not-executable") {
    throw new TtError(`${runs}, but ${found.path} is not executable`);
  }
  if (found.kind === "missing") {
    const relative = found.where !== undefined;
    const what = relative ? `which is not in ${found.where}` : "which is not on PATH";
    const hint = installHint(program);
    if (hint !== undefined) throw new TtError(`${runs}, ${what}; install it with: ${hint}`);
    const keys = relative ? "command and workdir" : "command";
    const fix = opts.configured ? ` (check [agent_clis.${cli.name}] ${keys} in tinytown.toml)` : "";
    throw new TtError(`${runs}, ${what}${fix}`);
  }
  return claudeAsRootWarning(cli, opts.configured);
}

/**
 * claude exits at once when run as root with --dangerously-skip-permissions unless its
 * environment has IS_SANDBOX=1 (exactly "1"; or it runs under its bubblewrap sandbox).
 */
function claudeAsRootWarning(cli: AgentCli, configured: boolean): string[] {
  if (basename(cli.argv[0]) !== "claude" || !skipsPermissions(cli.argv)) return [];
  if (!runningAsRoot()) return [];
  const env = { ...envObject(), ...cli.env };
  if (env.IS_SANDBOX === "1" || env.CLAUDE_CODE_BUBBLEWRAP) return [];
  const fix = configured
    ? `add IS_SANDBOX = "1" under [agent_clis.${cli.name}.env] in tinytown.toml ` +
      "(or export IS_SANDBOX=1 before starting tt)"
    : "export IS_SANDBOX=1 before starting tt";
  return [
    "claude refuses --dangerously-skip-permissions as root unless IS_SANDBOX=1 is set; " + fix,
  ];
}

function skipsPermissions(argv: readonly string[]): boolean {
  return argv.some((a, i) =>
    a === "--dangerously-skip-permissions" || a === "--permission-mode=bypassPermissions" ||
    (a === "--permission-mode" && argv[i + 1] === "bypassPermissions")
  );
}

function runningAsRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false; // no --allow-sys: nothing to say
  }
}
