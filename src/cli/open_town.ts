/** Opening the town of a command, telling stderr what the open found. */
import type { Command } from "commander";
import { type OpenOptions, openTown, type Town } from "../town/town.ts";
import { globalOptions } from "./globals.ts";
import { writeErr } from "./output.ts";

/** Opens the town of the command's `--town`; its warnings (a crashed server) go to stderr. */
export async function openCommandTown(
  cmd: Command,
  options: Pick<OpenOptions, "start" | "restartCrashed"> = {},
): Promise<Town> {
  const town = await openTown(globalOptions(cmd).town, options);
  for (const warning of town.warnings) writeErr(`warning: ${warning}\n`);
  return town;
}
