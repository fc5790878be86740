/**
 * Agent CLIs: the built-in presets, the legacy-name table, resolving a CLI reference to a
 * name, and splitting a command string into argv once so the agent loop never goes through a
 * shell.
 */
import { ConfigError } from "../errors.ts";

/** An `[agent_clis.<key>]` table as stored in tinytown.toml. */
export interface AgentCliEntry {
  /** Informational; the map key is what lookups use. */
  name: string;
  command: string;
  workdir?: string;
  env: Record<string, string>;
}

/** A CLI ready to run: `argv[0]` is the program. */
export interface AgentCli {
  /** The lookup key (preset or `[agent_clis.<key>]` name, or the custom command itself). */
  name: string;
  command: string;
  argv: string[];
  workdir?: string;
  env: Record<string, string>;
}

const CODEX_BASE = "codex exec --dangerously-bypass-approvals-and-sandbox";
// codex runs shell commands as `bash -lc` by default; a login shell's /etc/profile may reset PATH
// (Debian does for root) and lose the tt shim. Found with the real codex CLI (e2e test).
const CODEX = `${CODEX_BASE} -c allow_login_shell=false`;
const CODEX_MINI = `${CODEX} -m gpt-5.4-mini -c model_reasoning_effort="medium"`;
const OLD_CODEX_MINI = `${CODEX_BASE} -m gpt-5.4-mini -c model_reasoning_effort="medium"`;

/**
 * The built-in presets, in the reference's documented order, as the real CLIs accept them
 * headless (README "Agent CLIs" says what was checked against each). How each one gets its
 * prompt is `cliInvocation`'s business (src/agent/runner.ts).
 */
export const PRESET_CLIS: ReadonlyArray<readonly [name: string, command: string]> = [
  ["claude", "claude --print --dangerously-skip-permissions"],
  // auggie's shell tool defaults to `bash -l -c`; a login shell's /etc/profile may reset PATH
  // (Debian does for root) and lose the tt shim. `--shell sh` keeps the loop's PATH.
  ["auggie", "auggie --print --shell sh"],
  ["codex", CODEX],
  ["codex-mini", CODEX_MINI],
  // The prompt file's path is appended; the prompt itself never goes on argv (visible in ps).
  [
    "aider",
    "aider --yes-always --no-auto-commits --no-pretty --no-check-update --no-analytics " +
    "--message-file",
  ],
  // Headless gemini refuses an untrusted folder, and without yolo offers no shell/write tools.
  ["gemini", "gemini --yolo --skip-trust"],
  // GitHub's standalone agent CLI; without --allow-all-tools every shell call is denied.
  [
    "copilot",
    "copilot --allow-all-tools --allow-all-paths --no-ask-user --no-color --no-auto-update",
  ],
  // Cursor's agent CLI (not the editor launcher `cursor`).
  ["cursor", "cursor-agent --print --force --trust --output-format text"],
];

export const PRESET_CLI_NAMES: readonly string[] = PRESET_CLIS.map(([name]) => name);

const PRESET_COMMANDS: ReadonlyMap<string, string> = new Map(PRESET_CLIS);

/**
 * Command lines that older configs stored (as `default_cli`/`conductor_cli`, or as the command
 * of a preset's `[agent_clis.*]` table, which `tt init` writes) and the preset each stands for.
 */
const LEGACY_NAMES: ReadonlyMap<string, string> = new Map([
  ...PRESET_CLIS.map(([name, command]) => [command, name] as const),
  ["codex --dangerously-bypass-approvals-and-sandbox", "codex"],
  ["aider --yes --no-auto-commits --message", "aider"],
  ["auggie --print", "auggie"],
  [CODEX_BASE, "codex"],
  [OLD_CODEX_MINI, "codex-mini"],
  ["gemini", "gemini"],
  ["gh copilot", "copilot"],
  ["cursor", "cursor"],
]);

/**
 * Older configs stored full command lines in `default_cli`/`conductor_cli`; map those exact
 * strings (after trimming) to preset names. Anything else is returned unchanged.
 */
export function normalizeLegacyCliName(value: string): string {
  return LEGACY_NAMES.get(value.trim()) ?? value;
}

/** Today's command for an old preset command line, or the command unchanged. */
function currentCommand(command: string): string {
  const preset = LEGACY_NAMES.get(command.trim());
  return preset === undefined ? command : PRESET_COMMANDS.get(preset)!;
}

/** The preset tables as written into a new tinytown.toml. */
export function presetEntries(): Record<string, AgentCliEntry> {
  const out: Record<string, AgentCliEntry> = {};
  for (const [name, command] of PRESET_CLIS) out[name] = { name, command, env: {} };
  return out;
}

/**
 * Splits a command line into words the way a POSIX shell would, without expanding anything:
 * whitespace separates words, '…' is literal, "…" allows \" \\ \$ \` and backslash-newline,
 * an unquoted backslash escapes the next character. `cliName` is only used in errors.
 */
export function splitCommand(command: string, cliName: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  const bad = (what: string) =>
    new ConfigError(`agent CLI '${cliName}': ${what} in command: ${command}`);
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw bad("unterminated single quote");
      word += command.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      for (i++;; i++) {
        if (i >= command.length) throw bad("unterminated double quote");
        const d = command[i];
        if (d === '"') break;
        if (d === "\\" && i + 1 < command.length && '"\\$`\n'.includes(command[i + 1])) {
          i++;
          if (command[i] !== "\n") word += command[i];
        } else {
          word += d;
        }
      }
    } else if (c === "\\") {
      if (i + 1 >= command.length) throw bad("trailing backslash");
      i++;
      if (command[i] !== "\n") {
        word += command[i];
        inWord = true;
      }
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0) throw bad("no program");
  return words;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `[agent_clis.<name>.env]` must hold variable names a process environment can carry. */
function checkEnv(name: string, env: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(env)) {
    if (!ENV_NAME.test(key)) {
      throw new ConfigError(
        `[agent_clis.${name}.env]: ${JSON.stringify(key)} is not an environment variable name ` +
          "(letters, digits and '_', not starting with a digit)",
      );
    }
    if (value.includes("\0")) {
      throw new ConfigError(`[agent_clis.${name}.env]: ${key} contains a NUL character`);
    }
  }
}

function toAgentCli(name: string, entry: AgentCliEntry): AgentCli {
  checkEnv(name, entry.env);
  // An old preset line (e.g. `gh copilot` from an older `tt init`) runs today's preset.
  const command = currentCommand(entry.command);
  const cli: AgentCli = {
    name,
    command,
    argv: splitCommand(command, name),
    env: { ...entry.env },
  };
  if (entry.workdir !== undefined) cli.workdir = entry.workdir;
  return cli;
}

/**
 * The CLIs a town can use: the presets always, then the file's `[agent_clis.*]` entries,
 * which override a preset of the same name. Every command is split here, once; a bad command
 * is a ConfigError naming the CLI. Map order: presets first, then other entries in file order.
 */
export function effectiveAgentClis(
  entries: Readonly<Record<string, AgentCliEntry>>,
): Map<string, AgentCli> {
  const out = new Map<string, AgentCli>();
  for (const [name, command] of PRESET_CLIS) {
    if (!Object.hasOwn(entries, name)) {
      out.set(name, { name, command, argv: splitCommand(command, name), env: {} });
    } else {
      out.set(name, toAgentCli(name, entries[name]));
    }
  }
  for (const [name, entry] of Object.entries(entries)) {
    if (!out.has(name)) out.set(name, toAgentCli(name, entry));
  }
  return out;
}

/** Guesses a preset from the program word of a full command line (`gh copilot` -> copilot). */
function inferAlias(command: string): string | undefined {
  const first = command.split(/\s+/)[0];
  switch (first) {
    case "claude":
    case "auggie":
    case "aider":
    case "gemini":
    case "cursor":
    case "copilot":
      return first;
    case "cursor-agent":
      return "cursor";
    case "gh":
      return /^gh\s+copilot(\s|$)/.test(command) ? "copilot" : undefined;
    case "codex":
      return command.includes("gpt-5.4-mini") ? "codex-mini" : "codex";
  }
  return undefined;
}

/**
 * Resolves a CLI reference (`--cli`, `default_cli`, an agent's stored `cli`) to a name: empty
 * means claude; a known key; a known command line (today's, or an old preset line); a preset
 * inferred from the program word; otherwise the trimmed string itself (a custom command).
 */
export function resolveCliName(ref: string, clis: ReadonlyMap<string, AgentCli>): string {
  const wanted = ref.trim();
  if (wanted === "") return "claude";
  if (clis.has(wanted)) return wanted;
  for (const cli of clis.values()) if (cli.command.trim() === wanted) return cli.name;
  const legacy = LEGACY_NAMES.get(wanted);
  if (legacy !== undefined && clis.has(legacy)) return legacy;
  const alias = inferAlias(wanted);
  if (alias !== undefined && clis.has(alias)) return alias;
  return wanted;
}

/** The CLI to run for a reference; an unknown one is run as a custom command line. */
export function resolveCli(ref: string, clis: ReadonlyMap<string, AgentCli>): AgentCli {
  const name = resolveCliName(ref, clis);
  const known = clis.get(name);
  if (known) return known;
  return { name, command: name, argv: splitCommand(name, name), env: {} };
}
