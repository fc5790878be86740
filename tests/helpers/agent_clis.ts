/**
 * The real agent CLIs installed from npm for the end-to-end tests. `.ci/run` installs them
 * into `$TT_AGENT_CLIS` (default `~/.cache/tt/agent-clis`), outside the clone, at the versions
 * pinned in tests/fixtures/agent_clis.json. A test whose CLI is missing is registered as
 * ignored, with the reason in its name and on the console: never passed.
 */
const PINS_FILE = new URL("../fixtures/agent_clis.json", import.meta.url);

export interface AgentCliPin {
  /** The npm package. */
  package: string;
  version: string;
  /** The program it installs in node_modules/.bin. */
  bin: string;
}

/** The pinned CLIs, keyed by tt's preset name. */
export function agentCliPins(): Record<string, AgentCliPin> {
  return JSON.parse(Deno.readTextFileSync(PINS_FILE)).clis;
}

/** Where the CLIs are installed (the npm prefix). */
export function agentClisDir(): string {
  const dir = Deno.env.get("TT_AGENT_CLIS");
  if (dir) return dir;
  return `${Deno.env.get("HOME") ?? "/root"}/.cache/tt/agent-clis`;
}

/** The folder holding the installed programs, to put first on a test's PATH. */
export function agentClisBinDir(): string {
  return `${agentClisDir()}/node_modules/.bin`;
}

export interface InstalledCli {
  name: string;
  pin: AgentCliPin;
  /** Absolute path of the program. */
  program: string;
}

/** The installed CLI for a preset, or the reason it cannot be used. */
export function findAgentCli(name: string): InstalledCli | { missing: string } {
  const pin = agentCliPins()[name];
  if (!pin) return { missing: `no pinned npm package for '${name}'` };
  const program = `${agentClisBinDir()}/${pin.bin}`;
  try {
    const info = Deno.statSync(program);
    if (info.isFile && info.mode !== null && (info.mode & 0o111) !== 0) {
      return { name, pin, program };
    }
  } catch {
    // not installed
  }
  return {
    missing: `${pin.bin} is not installed in ${agentClisBinDir()} ` +
      `(npm install --prefix ${agentClisDir()} ${pin.package}@${pin.version}, as .ci/run does)`,
  };
}

/**
 * Registers a test that needs a real CLI. When the CLI is missing the test is ignored, its
 * name ends with the reason, and the reason is printed, so a report shows it as skipped.
 */
export function realCliTest(
  cliName: string,
  name: string,
  fn: (cli: InstalledCli) => Promise<void>,
  opts: { ignore?: boolean; ignoreWhy?: string } = {},
): void {
  const cli = findAgentCli(cliName);
  if ("missing" in cli) {
    console.log(`ignored: ${name}: ${cli.missing}`);
    Deno.test({ name: `${name} [ignored: ${cli.missing}]`, ignore: true, fn: () => {} });
    return;
  }
  if (opts.ignore) {
    console.log(`ignored: ${name}: ${opts.ignoreWhy}`);
    Deno.test({ name: `${name} [ignored: ${opts.ignoreWhy}]`, ignore: true, fn: () => {} });
    return;
  }
  Deno.test(name, () => fn(cli));
}
