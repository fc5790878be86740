/** The options every command has (`--town`, `--verbose`), as a command sees them. */
import type { Command } from "commander";
import { UsageError } from "../errors.ts";

/** Options every command accepts, before or after its name. */
export interface GlobalOptions {
  town: string;
  verbose: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  const opts = cmd.optsWithGlobals() as { town?: string; verbose?: boolean };
  if (opts.town !== undefined && opts.town.trim() === "") {
    throw new UsageError("--town needs a folder (it was empty)");
  }
  // Inside an agent CLI (which may run in a workdir below the town), tt means that agent's town.
  const town = opts.town ?? (Deno.env.get("TINYTOWN_TOWN")?.trim() || ".");
  return { town, verbose: opts.verbose ?? false };
}
