/**
 * `tt conductor`: brief the town's default AI CLI as the conductor and hand it the terminal.
 * The CLI runs interactively (no print/exec modes), with `tt` on its PATH, in its
 * `[agent_clis.<name>] workdir` with its `[agent_clis.<name>.env]` variables, as agents' CLIs
 * do. The briefing never goes on argv (every local user can read that in ps): it is in a 0600
 * file that the CLI is told to read (or given with its file option), or on stdin for a custom
 * CLI.
 */
import { TtError } from "../errors.ts";
import { writePrivateFile } from "../private_files.ts";
import { isTaskTerminal } from "../model/task.ts";
import type { Store } from "../store/store.ts";
import { type AgentCli, effectiveAgentClis, resolveCli } from "../town/cli_presets.ts";
import type { Town } from "../town/town.ts";
import { cliEnvironment, cliWorkdir, isDirectory } from "./cli_env.ts";
import { conductorContext } from "./conductor_context.ts";
import { ensureTtShim, shellWord } from "./tt_shim.ts";

export interface ConductorLaunch {
  cli: string;
  contextFile: string;
  context: string;
  program: string;
  args: string[];
  /** Where the CLI runs: its workdir against the town root, else the root. */
  cwd: string;
  /** The CLI's `[agent_clis.<name>.env]`, added to the inherited environment. */
  cliEnv: Record<string, string>;
  /** What goes to the CLI's stdin (custom CLIs get the briefing there), else the terminal. */
  stdin?: string;
}

/** Writes `.tt/conductor_context.md` (0600) and works out how to start the conductor CLI. */
export async function prepareConductor(
  town: Town,
  store: Store,
  cliRef?: string,
): Promise<ConductorLaunch> {
  const [agents, tasks, backlog] = await Promise.all([
    store.agents.list(),
    store.tasks.list(),
    store.tasks.backlogLength(),
  ]);
  const counts = await store.mailbox.counts(agents.map((a) => a.id));
  const context = conductorContext({
    town: town.name,
    root: town.root,
    tt: shellWord(`${town.paths.binDir}/tt`),
    // Every agent, ended ones too: a Cold agent can be restarted and still has its history.
    agents: agents.map((agent) => ({ agent, pending: counts.get(agent.id)?.inbox ?? 0 })),
    backlog,
    openTasks: tasks.filter((t) => !isTaskTerminal(t.state)).length,
  });
  const contextFile = `${town.paths.ttDir}/conductor_context.md`;
  await writePrivateFile(contextFile, context);
  const name = (cliRef ?? town.config.conductorCli ?? town.config.defaultCli).trim() || "claude";
  const cli = resolveCli(name, effectiveAgentClis(town.config.agentClis));
  return {
    cli: cli.name,
    contextFile,
    context,
    cwd: cliWorkdir(town.root, cli),
    cliEnv: cli.env,
    ...interactiveCommand(cli, contextFile, context),
  };
}

/**
 * The interactive form of each known CLI: its program (the configured one, so a user's path
 * to it is kept) with the CLI's file option for the briefing, or a first prompt that names the
 * briefing's file. Other CLIs get their configured command with the briefing on stdin.
 */
function interactiveCommand(cli: AgentCli, file: string, context: string) {
  const program = cli.argv[0];
  const readIt = `Your briefing as this town's conductor is in the file ${file}. ` +
    "Read that whole file first, then do what it says.";
  switch (cli.name) {
    case "claude":
      return { program, args: [readIt] };
    case "codex":
      return { program, args: ["--dangerously-bypass-approvals-and-sandbox", readIt] };
    case "codex-mini":
      return {
        program,
        args: [
          "--dangerously-bypass-approvals-and-sandbox",
          "-m",
          "gpt-5.4-mini",
          "-c",
          "model_reasoning_effort=medium",
          readIt,
        ],
      };
    case "auggie":
      return { program, args: ["--instruction-file", file] };
    case "aider":
      return { program, args: ["--message-file", file] };
    case "gemini":
      return { program, args: ["-i", readIt] };
    case "copilot":
      return { program, args: ["-i", readIt] };
    case "cursor":
      return { program, args: [readIt] };
    default:
      return { program, args: cli.argv.slice(1), stdin: context };
  }
}

/** Runs the conductor CLI attached to this terminal; returns its exit code. */
export async function runConductor(town: Town, launch: ConductorLaunch): Promise<number> {
  const binDir = await ensureTtShim(town.paths.binDir);
  if (!(await isDirectory(launch.cwd))) {
    throw new TtError(
      `conductor CLI '${launch.cli}': its workdir ${launch.cwd} is not a directory ` +
        `(see [agent_clis.${launch.cli}] workdir in tinytown.toml, relative to the town root)`,
    );
  }
  // As for an agent's CLI, but no agent identity: the conductor's own `tt send` comes from
  // the conductor, even when tt conductor is started inside an agent's shell.
  const env = cliEnvironment(
    { name: launch.cli, command: "", argv: [], env: launch.cliEnv },
    { TINYTOWN_AGENT_ID: "", TINYTOWN_AGENT_NAME: "", TINYTOWN_TOWN: town.root },
    binDir,
  );
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(launch.program, {
      args: launch.args,
      cwd: launch.cwd,
      env,
      stdin: launch.stdin === undefined ? "inherit" : "piped",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (err) {
    throw new TtError(
      `cannot start the conductor CLI '${launch.program}': ${
        (err as Error).message.split("\n")[0]
      }`,
    );
  }
  if (launch.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(launch.stdin)).catch(() => {});
    await w.close().catch(() => {});
  }
  return (await child.status).code;
}
