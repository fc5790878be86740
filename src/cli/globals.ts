/** The options every command has (`--town`, `--verbose`), as a command sees them. */
import { envVar } from "../town/env.ts";
import type { Command } from "commander";
import { UsageError } from "../errors.ts";

/** Options every command accepts, before or after its name. */
export interface GlobalOptions {
  town: string;
  verbose: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return resolveGlobalOptions(cmd.optsWithGlobals() as { town?: string; verbose?: boolean });
}

/** The global options from their parsed values (commander's, or the fast parser's). */
export function resolveGlobalOptions(opts: { town?: string; verbose?: boolean }): GlobalOptions {
  if (opts.town !== undefined && opts.town.trim() === "") {
    throw new UsageError("--town needs a folder (it was empty)");
  }
  // Inside an agent CLI (which may run in a workdir below the town), tt means that agent's town.
  const town = opts.town ?? (envVar("TINYTOWN_TOWN")?.trim() || ".");
  return { town, verbose: opts.verbose ?? false };
}

/** A command's global options, or the command to read them from. */
export type GlobalsOf = Command | GlobalOptions;

export function globalsOf(from: GlobalsOf): GlobalOptions {
  return "optsWithGlobals" in from ? globalOptions(from) : from;
}
