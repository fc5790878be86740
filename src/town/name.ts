/** Town names: deriving one from a directory, and checking one given with `--name`. */
import { basename } from "../path.ts";
import { ConfigError } from "../errors.ts";

const MAX_NAME_LENGTH = 64;
const NAME_CHARS = /^[A-Za-z0-9._-]+$/;

/**
 * A town name becomes part of Redis keys (`tt:<town>:…`) and file names, so it must be short,
 * non-empty, made of `[A-Za-z0-9._-]`, and not start with `.` or `-`.
 */
export function validateTownName(name: string): void {
  const problem = townNameProblem(name);
  if (problem !== undefined) {
    throw new ConfigError(`invalid town name ${quoted(name)}: it ${problem}`);
  }
}

/** What is wrong with a town name (`must not be empty`, …), or undefined when it is valid. */
export function townNameProblem(name: string): string | undefined {
  return name === ""
    ? "must not be empty"
    : name.length > MAX_NAME_LENGTH
    ? `is longer than ${MAX_NAME_LENGTH} characters`
    : !NAME_CHARS.test(name)
    ? "may only contain letters, digits, '.', '_' and '-'"
    : /^[.-]/.test(name)
    ? "must not start with '.' or '-'"
    : undefined;
}

/** A name as it may appear in an error line: escaped, and cut when long. */
export function quoted(name: string): string {
  const cut = name.length > 40 ? `${name.slice(0, 40)}…` : name;
  return JSON.stringify(cut).replace(
    /[\u007f-\u009f\p{Cf}]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Makes any string a valid town name. The reference keeps names verbatim (spaces, colons and
 * all end up in Redis keys); we replace each run of other characters with `-`, drop leading
 * `.`/`-`, cap the length, and fall back to `tinytown`.
 */
export function sanitizeTownName(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "")
    .slice(0, MAX_NAME_LENGTH).replace(/-+$/, "");
  return cleaned === "" ? "tinytown" : cleaned;
}

async function git(dir: string, args: string[], env?: Record<string, string>) {
  try {
    const out = await new Deno.Command("git", {
      args,
      cwd: dir,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    return out.success && text !== "" ? text : undefined;
  } catch {
    // git not installed, or the directory does not exist: not a repository.
    return undefined;
  }
}

/**
 * The default town name for `dir`: `{repo}-{branch}` (slashes in the branch become `-`), the
 * repo name alone when there are no commits yet, else the folder name, else `tinytown`; then
 * sanitised. `gitEnv` adds variables for the git child processes (tests isolate git config).
 */
export async function deriveTownName(
  dir: string,
  gitEnv?: Record<string, string>,
): Promise<string> {
  const top = await git(dir, ["rev-parse", "--show-toplevel"], gitEnv);
  if (top !== undefined) {
    const repo = basename(top);
    const branch = await git(dir, ["rev-parse", "--abbrev-ref", "HEAD"], gitEnv);
    return sanitizeTownName(branch === undefined ? repo : `${repo}-${branch.replaceAll("/", "-")}`);
  }
  try {
    return sanitizeTownName(basename(await Deno.realPath(dir)));
  } catch {
    return "tinytown";
  }
}
