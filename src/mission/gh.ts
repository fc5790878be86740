/**
 * Runs the GitHub CLI `gh` with an argument array (never a shell string). A missing `gh` or
 * one that is not logged in becomes one line saying how to fix it.
 */
import { TtError } from "../errors.ts";

/** `gh` could not run, or GitHub refused: the message is one line for the user. */
export class GhError extends TtError {}

export interface GhRunner {
  /** Runs `gh args…` in `cwd`; resolves with stdout, throws GhError on failure. */
  run(args: readonly string[], opts?: { cwd?: string }): Promise<string>;
}

const NOT_LOGGED_IN = /gh auth login|not logged in|authentication|GH_TOKEN|HTTP 401/i;

/** The last non-empty line of stderr, trimmed: what `gh` says went wrong. */
function lastLine(text: string): string {
  const lines = text.trim().split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1] : "";
}

/** The real `gh` on PATH (or `program`). */
export function ghRunner(program = "gh"): GhRunner {
  return {
    async run(args, opts = {}) {
      let out: Deno.CommandOutput;
      try {
        out = await new Deno.Command(program, {
          args: [...args],
          cwd: opts.cwd,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) {
          throw new GhError(
            "gh (the GitHub CLI) is not installed or not on PATH: install it (e.g. " +
              "'apt-get install gh') and run 'gh auth login'",
            { cause: err },
          );
        }
        throw new GhError(`gh could not be started: ${(err as Error).message}`, { cause: err });
      }
      const dec = new TextDecoder();
      if (out.code !== 0) {
        const why = lastLine(dec.decode(out.stderr)) || `exit code ${out.code}`;
        if (NOT_LOGGED_IN.test(why)) {
          throw new GhError(`gh is not logged in to GitHub (${why}): run 'gh auth login'`);
        }
        throw new GhError(`gh command failed: ${why}`);
      }
      return dec.decode(out.stdout);
    },
  };
}
