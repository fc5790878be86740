/**
 * Where an agent CLI runs and with what environment, from its `[agent_clis.<name>]` table:
 * `workdir` (relative to the town root) and `[agent_clis.<name>.env]`; and finding its program
 * the way the operating system will when the round starts it.
 */
import { envVar } from "../town/env.ts";
import type { AgentCli } from "../town/cli_presets.ts";
import { join, resolve } from "../path.ts";

/** The folder the CLI runs in: its `workdir` against the town root, else the root. */
export function cliWorkdir(townRoot: string, cli: AgentCli): string {
  const dir = cli.workdir?.trim() ?? "";
  return dir === "" ? townRoot : resolve(townRoot, dir);
}

/** tt's own variables for an agent's CLI. */
export interface TtCliVars {
  TINYTOWN_AGENT_ID: string;
  TINYTOWN_AGENT_NAME: string;
  TINYTOWN_TOWN: string;
}

/**
 * What the CLI's environment adds to the one it inherits. Precedence, lowest first: the
 * inherited environment, the CLI's `[agent_clis.<name>.env]`, tt's TINYTOWN_* variables (the
 * agent's identity cannot be overridden). PATH is tt's shim folder, then the table's PATH if it
 * has one, else the inherited PATH: `tt` always means this tt inside the CLI.
 */
export function cliEnvironment(
  cli: AgentCli,
  tt: TtCliVars,
  shimDir: string,
  inheritedPath = envVar("PATH") ?? "",
): Record<string, string> {
  const rest = cli.env.PATH ?? inheritedPath;
  return { ...cli.env, ...tt, PATH: rest === "" ? shimDir : `${shimDir}:${rest}` };
}

export type ProgramLookup =
  | { kind: "found"; path: string }
  /** Nothing there (`where`: the folder a relative path was taken from, or undefined: PATH). */
  | { kind: "missing"; where?: string }
  | { kind: "not-executable"; path: string };

/**
 * Finds `program` as execvp will for a child started in `cwd` with `path` as its PATH: a name
 * with a slash is a path (relative ones from `cwd`), any other name is searched in PATH's
 * folders in order (relative folders also from `cwd`).
 */
export async function findProgram(
  program: string,
  path: string,
  cwd: string,
): Promise<ProgramLookup> {
  if (program.includes("/")) {
    const full = resolve(cwd, program);
    const kind = await executable(full);
    if (kind === "yes") return { kind: "found", path: full };
    if (kind === "no") return { kind: "not-executable", path: full };
    return { kind: "missing", ...(program.startsWith("/") ? {} : { where: cwd }) };
  }
  let firstNonExecutable: string | undefined;
  for (const dir of path.split(":")) {
    // An empty entry means the current directory, as for execvp.
    const full = resolve(cwd, join(dir === "" ? "." : dir, program));
    const kind = await executable(full);
    if (kind === "yes") return { kind: "found", path: full };
    if (kind === "no") firstNonExecutable ??= full;
  }
  if (firstNonExecutable !== undefined) return { kind: "not-executable", path: firstNonExecutable };
  return { kind: "missing" };
}

async function executable(path: string): Promise<"yes" | "no" | "absent"> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch {
    return "absent";
  }
  if (!st.isFile) return "absent";
  return st.mode === null || (st.mode & 0o111) !== 0 ? "yes" : "no";
}

/** True when `dir` is an existing directory (following symlinks). */
export async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(dir)).isDirectory;
  } catch {
    return false;
  }
}
