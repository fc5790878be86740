/**
 * `tt conductor`: brief the town's default AI CLI as the conductor and hand it the terminal.
 * The CLI runs interactively (no print/exec modes), with `tt` on its PATH.
 */
import { TtError } from "../errors.ts";
import { writePrivateFile } from "../private_files.ts";
import { isTaskTerminal } from "../model/task.ts";
import type { Store } from "../store/store.ts";
import { effectiveAgentClis, resolveCli } from "../town/cli_presets.ts";
import type { Town } from "../town/town.ts";
import { conductorContext } from "./conductor_context.ts";
import { ensureTtShim } from "./tt_shim.ts";

export interface ConductorLaunch {
  cli: string;
  contextFile: string;
  context: string;
  program: string;
  args: string[];
  /** What goes to the CLI's stdin (custom CLIs get the briefing there), else the terminal. */
  stdin?: string;
}

/** Writes `.tt/conductor_context.md` and works out how to start the conductor CLI. */
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
    ...interactiveCommand(cli.name, cli.argv, contextFile, context),
  };
}

/**
 * The interactive form of each known CLI, given the briefing; other CLIs get their configured
 * command with the briefing on stdin.
 */
function interactiveCommand(name: string, argv: string[], file: string, context: string) {
  switch (name) {
    case "claude":
      return { program: "claude", args: [context] };
    case "codex":
      return { program: "codex", args: ["--dangerously-bypass-approvals-and-sandbox", context] };
    case "codex-mini":
      return {
        program: "codex",
        args: [
          "--dangerously-bypass-approvals-and-sandbox",
          "-m",
          "gpt-5.4-mini",
          "-c",
          "model_reasoning_effort=medium",
          context,
        ],
      };
    case "auggie":
      return { program: "auggie", args: ["--instruction-file", file] };
    case "aider":
      return { program: "aider", args: ["--message-file", file] };
    case "gemini":
      return { program: "gemini", args: ["-i", context] };
    default:
      return { program: argv[0], args: argv.slice(1), stdin: context };
  }
}

/** Runs the conductor CLI attached to this terminal; returns its exit code. */
export async function runConductor(town: Town, launch: ConductorLaunch): Promise<number> {
  const binDir = await ensureTtShim(town.paths.binDir);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(launch.program, {
      args: launch.args,
      cwd: town.root,
      env: { TINYTOWN_TOWN: town.root, PATH: `${binDir}:${Deno.env.get("PATH") ?? ""}` },
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
