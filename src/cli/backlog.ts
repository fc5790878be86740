/** Commands of this group are being written; see README "Status of the work". */
import type { Command } from "commander";

export function registerBacklogCommands(_program: Command): void {}
