/** Builds the `tt` command line and runs it: parse, dispatch, print errors as one line. */
import { lazyImport } from "../lazy.ts";
import { Command, CommanderError } from "commander";
import { VERSION } from "../version.ts";
import { reportFailure } from "./failure.ts";
import { runFast } from "./fast/run.ts";
import { type OutputSink, processSink, runWithSink, writeErr, writeOut } from "./output.ts";

type Register = (program: Command) => void;

/**
 * Command groups, loaded on demand: a command loads only the group that defines it, so
 * `tt send` does not pay for the code of `tt sync` or `tt restore`. In help order.
 */
const GROUPS = {
  town: async () =>
    (await lazyImport<typeof import("./town.ts")>("src/cli/town.ts")).registerTownCommands,
  agents: async () =>
    (await lazyImport<typeof import("./agents.ts")>("src/cli/agents.ts")).registerAgentsCommands,
  logs: async () =>
    (await lazyImport<typeof import("./logs.ts")>("src/cli/logs.ts")).registerLogsCommands,
  messages: async () =>
    (await lazyImport<typeof import("./messages.ts")>("src/cli/messages.ts"))
      .registerMessagesCommands,
  tasks: async () =>
    (await lazyImport<typeof import("./tasks.ts")>("src/cli/tasks.ts")).registerTasksCommands,
  status: async () =>
    (await lazyImport<typeof import("./status.ts")>("src/cli/status.ts")).registerStatusCommands,
  events: async () =>
    (await lazyImport<typeof import("./events.ts")>("src/cli/events.ts")).registerEventsCommands,
  backlog: async () =>
    (await lazyImport<typeof import("./backlog.ts")>("src/cli/backlog.ts")).registerBacklogCommands,
  recovery: async () =>
    (await lazyImport<typeof import("./recovery.ts")>("src/cli/recovery.ts"))
      .registerRecoveryCommands,
  plan: async () =>
    (await lazyImport<typeof import("./plan.ts")>("src/cli/plan.ts")).registerPlanCommands,
  conductor: async () =>
    (await lazyImport<typeof import("./conductor.ts")>("src/cli/conductor.ts"))
      .registerConductorCommands,
  mission: async () =>
    (await lazyImport<typeof import("./mission.ts")>("src/cli/mission.ts")).registerMissionCommands,
  townhall: async () =>
    (await lazyImport<typeof import("./townhall.ts")>("src/cli/townhall.ts"))
      .registerTownhallCommands,
  mcp: async () =>
    (await lazyImport<typeof import("./mcp.ts")>("src/cli/mcp.ts")).registerMcpCommands,
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
  townhall: "townhall",
  auth: "townhall",
  mcp: "mcp",
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

/**
 * Runs tt with `argv` (without the program name); returns the exit code. Output goes to
 * `sink` (default: the process's stdout and stderr), so commands can run in process.
 */
export async function runCli(argv: string[], sink: OutputSink = processSink): Promise<number> {
  // The common commands run without commander when their command line is plain (src/cli/fast/).
  const fast = await runFast(argv, sink);
  if (fast !== undefined) return fast;
  const { value, exitCode } = await runWithSink(sink, async () => {
    const program = await buildProgram(argv);
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return 2;
    }
    try {
      await program.parseAsync(argv, { from: "user" });
      return undefined;
    } catch (err) {
      return handleError(err, argv.includes("-v") || argv.includes("--verbose"));
    }
  });
  return value ?? exitCode;
}

function handleError(err: unknown, verbose: boolean): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message; help and version are not errors.
    return err.exitCode === 0 ? 0 : 2;
  }
  return reportFailure(err, verbose);
}
