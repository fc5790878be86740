/** Builds the `tt` command line and runs it: parse, dispatch, print errors as one line. */
import { Command, CommanderError } from "commander";
import { describeError, TtError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { writeErr, writeOut } from "./output.ts";
import { registerAgentsCommands } from "./agents.ts";
import { registerBacklogCommands } from "./backlog.ts";
import { registerConductorCommands } from "./conductor.ts";
import { registerEventsCommands } from "./events.ts";
import { registerMessagesCommands } from "./messages.ts";
import { registerPlanCommands } from "./plan.ts";
import { registerRecoveryCommands } from "./recovery.ts";
import { registerStatusCommands } from "./status.ts";
import { registerTasksCommands } from "./tasks.ts";
import { registerTownCommands } from "./town.ts";

/** Options every command accepts, before or after its name. */
export interface GlobalOptions {
  town: string;
  verbose: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  const opts = cmd.optsWithGlobals() as { town?: string; verbose?: boolean };
  return { town: opts.town ?? ".", verbose: opts.verbose ?? false };
}

export function buildProgram(): Command {
  const program = new Command("tt")
    .description("tt - fast multi-agent orchestration over Redis (tinytown-compatible)")
    .version(`tt ${VERSION}`, "-V, --version", "print the version")
    .option("-t, --town <path>", "town directory", ".")
    .option("-v, --verbose", "show details, and stack traces on errors")
    .helpOption("-h, --help", "show help")
    .helpCommand("help [command]", "show help for a command")
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut, writeErr })
    .exitOverride();
  registerTownCommands(program);
  registerAgentsCommands(program);
  registerMessagesCommands(program);
  registerTasksCommands(program);
  registerStatusCommands(program);
  registerEventsCommands(program);
  registerBacklogCommands(program);
  registerRecoveryCommands(program);
  registerPlanCommands(program);
  registerConductorCommands(program);
  return program;
}

/** Runs tt with `argv` (without the program name); returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return Number(Deno.exitCode) || 0;
  } catch (err) {
    return handleError(err, argv.includes("-v") || argv.includes("--verbose"));
  }
}

function handleError(err: unknown, verbose: boolean): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message; help and version are not errors.
    return err.exitCode === 0 ? 0 : 2;
  }
  writeErr(`error: ${describeError(err)}\n`);
  if (verbose && err instanceof Error && err.stack) writeErr(`${err.stack}\n`);
  return err instanceof TtError ? err.exitCode : 1;
}
