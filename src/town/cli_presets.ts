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

const CODEX = "codex exec --dangerously-bypass-approvals-and-sandbox";
const CODEX_MINI = `${CODEX} -m gpt-5.4-mini -c model_reasoning_effort="medium"`;

/** The built-in presets, in the reference's documented order. */
export const PRESET_CLIS: ReadonlyArray<readonly [name: string, command: string]> = [
  ["claude", "claude --print --dangerously-skip-permissions"],
  ["auggie", "auggie --print"],
  ["codex", CODEX],
  ["codex-mini", CODEX_MINI],
  ["aider", "aider --yes --no-auto-commits --message"],
  ["gemini", "gemini"],
  ["copilot", "gh copilot"],
  ["cursor", "cursor"],
];

export const PRESET_CLI_NAMES: readonly string[] = PRESET_CLIS.map(([name]) => name);

const LEGACY_NAMES: ReadonlyMap<string, string> = new Map([
  ["claude --print --dangerously-skip-permissions", "claude"],
  ["auggie --print", "auggie"],
  ["codex --dangerously-bypass-approvals-and-sandbox", "codex"],
  [CODEX, "codex"],
  [CODEX_MINI, "codex-mini"],
  ["aider --yes --no-auto-commits --message", "aider"],
]);

/**
 * Older configs stored full command lines in `default_cli`/`conductor_cli`; map those exact
 * strings (after trimming) to preset names. Anything else is returned unchanged.
 */
export function normalizeLegacyCliName(value: string): string {
  return LEGACY_NAMES.get(value.trim()) ?? value;
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

function toAgentCli(name: string, entry: AgentCliEntry): AgentCli {
  const cli: AgentCli = {
    name,
    command: entry.command,
    argv: splitCommand(entry.command, name),
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
      return first;
    case "gh":
      return /^gh\s+copilot(\s|$)/.test(command) ? "copilot" : undefined;
    case "codex":
      return command.includes("gpt-5.4-mini") ? "codex-mini" : "codex";
  }
  return undefined;
}

/**
 * Resolves a CLI reference (`--cli`, `default_cli`, an agent's stored `cli`) to a name: empty
 * means claude; a known key; a known command line; a preset inferred from the program word;
 * otherwise the trimmed string itself, which is then a custom command.
 */
export function resolveCliName(ref: string, clis: ReadonlyMap<string, AgentCli>): string {
  const wanted = ref.trim();
  if (wanted === "") return "claude";
  if (clis.has(wanted)) return wanted;
  for (const cli of clis.values()) if (cli.command.trim() === wanted) return cli.name;
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
