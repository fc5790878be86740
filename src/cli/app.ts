/** Builds the `tt` command line and runs it: parse, dispatch, print errors as one line. */
import { Command, CommanderError } from "commander";
import { describeError, TtError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { writeErr, writeOut } from "./output.ts";

type Register = (program: Command) => void;

/**
 * Command groups, loaded on demand: a command loads only the group that defines it, so
 * `tt send` does not pay for the code of `tt sync` or `tt restore`. In help order.
 */
const GROUPS = {
  town: async () => (await import("./town.ts")).registerTownCommands,
  agents: async () => (await import("./agents.ts")).registerAgentsCommands,
  logs: async () => (await import("./logs.ts")).registerLogsCommands,
  messages: async () => (await import("./messages.ts")).registerMessagesCommands,
  tasks: async () => (await import("./tasks.ts")).registerTasksCommands,
  status: async () => (await import("./status.ts")).registerStatusCommands,
  events: async () => (await import("./events.ts")).registerEventsCommands,
  backlog: async () => (await import("./backlog.ts")).registerBacklogCommands,
  recovery: async () => (await import("./recovery.ts")).registerRecoveryCommands,
  plan: async () => (await import("./plan.ts")).registerPlanCommands,
  conductor: async () => (await import("./conductor.ts")).registerConductorCommands,
  mission: async () => (await import("./mission.ts")).registerMissionCommands,
} satisfies Record<string, () => Promise<Register>>;

export type GroupName = keyof typeof GROUPS;
export const GROUP_NAMES = Object.keys(GROUPS) as GroupName[];

/** The group that defines each top-level command (a test checks it against the groups). */
export const COMMAND_GROUP: Readonly<Record<string, GroupName>> = {
  init: "town",
  start: "town",
  stop: "town",
  reset: "town",
  towns: "town",
  config: "town",
  spawn: "agents",
  restart: "agents",
  list: "agents",
  kill: "agents",
  interrupt: "agents",
  resume: "agents",
  close: "agents",
  wait: "agents",
  prune: "agents",
  "agent-loop": "agents",
  logs: "logs",
  send: "messages",
  inbox: "messages",
  assign: "tasks",
  task: "tasks",
  tasks: "tasks",
  status: "status",
  history: "events",
  events: "events",
  backlog: "backlog",
  recover: "recovery",
  reclaim: "recovery",
  plan: "plan",
  sync: "plan",
  save: "plan",
  restore: "plan",
  migrate: "plan",
  conductor: "conductor",
  mission: "mission",
};

/** The command name in `argv`: the first word that is not a global option or its value. */
export function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-t" || arg === "--town") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/**
 * The command line. With `argv`, only the group of the command being run is loaded (all of
 * them for help, or a word that is not a command, so suggestions still work).
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command("tt")
    .description("tt - fast multi-agent orchestration over Redis (tinytown-compatible)")
    .version(`tt ${VERSION}`, "-V, --version", "print the version")
    .option("-t, --town <path>", "town directory (default: $TINYTOWN_TOWN, else .)")
    .option("-v, --verbose", "show details, and stack traces on errors")
    .helpOption("-h, --help", "show help")
    .helpCommand("help [command]", "show help for a command")
    .showSuggestionAfterError(true)
    // Subcommands inherit this: their help lists -t/--town and -v too, which they accept.
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut,
      writeErr,
      // Errors are one line: commander puts its suggestion on a line of its own.
      outputError: (text, write) =>
        write(text.replace(/\n\(Did you mean (.+)\?\)\n$/, " (did you mean $1?)\n")),
    })
    .exitOverride();
  const name = argv === undefined ? undefined : commandName(argv);
  const only = name === undefined ? undefined : COMMAND_GROUP[name];
  const registers = await Promise.all((only ? [only] : GROUP_NAMES).map((g) => GROUPS[g]()));
  for (const register of registers) register(program);
  return program;
}

/** Runs tt with `argv` (without the program name); returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
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
