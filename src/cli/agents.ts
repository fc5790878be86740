/** Agent commands: spawn, list, kill, interrupt, resume, close, wait, prune, restart, agent-loop. */
import { lazyImport } from "../lazy.ts";
import { type Command, Option } from "commander";
import { TtError, UsageError } from "../errors.ts";
import type { ControlResult } from "../service/agent_control.ts";
import type { SpawnResult } from "../service/agent_spawn.ts";
import { displayLabel, stateDisplayName, stateEmoji } from "../model/agent.ts";
import { parseId, shortId } from "../model/ids.ts";
import { agentJson } from "./json.ts";
import { globalOptions } from "./globals.ts";
import { withTown } from "./context.ts";
import { report, say, setExitCode, writeErr } from "./output.ts";
import { jsonOption, seconds, wholeNumber } from "./options.ts";

const rounds = wholeNumber("rounds");

/** Same default as src/agent/spawn.ts (kept here so --help needs no import). */
const DEFAULT_MAX_ROUNDS = 10;

// Command implementations load on use: `tt send` should not pay for the agent loop's imports.
const control = () =>
  lazyImport<typeof import("../service/agent_control.ts")>("src/service/agent_control.ts");
const spawning = () =>
  lazyImport<typeof import("../service/agent_spawn.ts")>("src/service/agent_spawn.ts");

export function registerAgentsCommands(program: Command): void {
  program
    .command("spawn")
    .description("create an agent and start its loop in the background")
    .argument("<name>", "agent name (letters, digits, '.', '_', '-')")
    .option(
      "-c, --cli <cli>",
      "agent CLI: claude, codex, auggie, aider, gemini, ... (default: town default_cli)",
    )
    .addOption(new Option("-m <cli>", "same as --cli").hideHelp())
    .option(
      "--max-rounds <n>",
      `rounds before the agent stops (default ${DEFAULT_MAX_ROUNDS})`,
      rounds,
    )
    .option("--foreground", "run the loop in this terminal instead of the background")
    .option("--role <role>", "role id (worker, reviewer, researcher, ...)")
    .option("--nickname <nick>", "display name (default: chosen from the id)")
    .option("--parent <agent>", "parent agent (name or id)")
    .addOption(jsonOption())
    .action(async (name: string, opts: {
      cli?: string;
      m?: string;
      maxRounds?: number;
      foreground?: boolean;
      role?: string;
      nickname?: string;
      parent?: string;
      json?: boolean;
    }, cmd: Command) => {
      const r = await withTown(
        cmd,
        async (town, store) =>
          (await spawning()).spawnAgent(town, store, {
            name,
            cli: opts.cli ?? opts.m,
            maxRounds: opts.maxRounds,
            role: opts.role,
            nickname: opts.nickname,
            parent: opts.parent,
            foreground: opts.foreground,
            warn,
          }),
      );
      printSpawn(r, opts.json, opts.maxRounds ?? DEFAULT_MAX_ROUNDS);
    });

  program
    .command("restart")
    .description("start a new loop for a stopped agent")
    .argument("<agent>", "agent name or id")
    .option("--rounds <n>", `rounds for the new loop (default ${DEFAULT_MAX_ROUNDS})`, rounds)
    .option("--max-rounds <n>", "same as --rounds", rounds)
    .option("--foreground", "run the loop in this terminal")
    .addOption(jsonOption())
    .action(
      async (
        ref: string,
        opts: { rounds?: number; maxRounds?: number; foreground?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        const maxRounds = opts.rounds ?? opts.maxRounds;
        const r = await withTown(
          cmd,
          async (town, store) =>
            (await spawning()).restartAgent(town, store, ref, {
              maxRounds,
              foreground: opts.foreground,
              warn,
            }),
        );
        printSpawn(r, opts.json, maxRounds ?? DEFAULT_MAX_ROUNDS, "Restarted");
      },
    );

  program
    .command("list")
    .description("list the town's agents")
    .addOption(jsonOption())
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const agents = await withTown(cmd, (_t, store) => store.agents.list(), { readOnly: true });
      if (opts.json) return report(true, agents.map(agentJson), () => []);
      if (agents.length === 0) return say("No agents. Create one with: tt spawn <name>");
      say(
        "Agents:",
        ...agents.map((a) =>
          `  ${displayLabel(a)} (${shortId(a.id)}) - ${stateDisplayName(a.state)}`
        ),
      );
      const ended = agents.filter((a) => a.state === "stopped" || a.state === "error").length;
      if (ended) say(`${ended} stopped agent(s) still listed; remove them with: tt prune`);
    });

  const controlCommand = (
    name: string,
    description: string,
    fn: "killAgent" | "interruptAgent" | "resumeAgent" | "closeAgent",
    human: (r: ControlResult, ref: string) => string,
  ) =>
    program
      .command(name)
      .description(description)
      .argument("<agent>", "agent name, nickname or id")
      .addOption(jsonOption())
      .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
        const r = await withTown(cmd, async (_t, store) => (await control())[fn](store, ref));
        report(
          opts.json,
          { ...agentJson(r.agent), previous_state: r.previous },
          () => [human(r, ref)],
        );
      });
  controlCommand(
    "kill",
    "stop an agent now (a running round is ended and its messages put back)",
    "killAgent",
    (r) =>
      `Stopped agent '${r.agent.name}'${
        r.signalled ? " (loop signalled)" : "; its loop stops at its next check"
      }`,
  );
  controlCommand(
    "interrupt",
    "pause an agent; it takes no new messages until resumed",
    "interruptAgent",
    (r) => `Interrupted agent '${r.agent.name}' (paused). Resume with: tt resume ${r.agent.name}`,
  );
  controlCommand(
    "resume",
    "resume a paused agent",
    "resumeAgent",
    (r) => `Resumed agent '${r.agent.name}'`,
  );
  controlCommand(
    "close",
    "let an agent finish its current round, then stop (ends cold)",
    "closeAgent",
    (r) => `Closing agent '${r.agent.name}': it finishes its current round, then stops`,
  );

  program
    .command("wait")
    .description("wait until an agent has stopped (stopped, error or cold)")
    .argument("<agent>", "agent name, nickname or id")
    .option("--timeout <secs>", "give up after this many seconds (exit 1)", seconds("--timeout"))
    .addOption(jsonOption())
    .action(async (ref: string, opts: { timeout?: number; json?: boolean }, cmd: Command) => {
      const r = await withTown(
        cmd,
        async (_t, store) => (await control()).waitForAgent(store, ref, opts.timeout),
      );
      report(opts.json, { ...agentJson(r.agent), timed_out: r.timedOut }, () => [
        r.timedOut
          ? `Timed out after ${opts.timeout}s: agent '${r.agent.name}' is ${
            stateEmoji(r.agent.state)
          } ${stateDisplayName(r.agent.state)}`
          : `Agent '${r.agent.name}' reached state: ${stateEmoji(r.agent.state)} ${
            stateDisplayName(r.agent.state)
          }`,
      ]);
      if (r.timedOut) setExitCode(1);
    });

  program
    .command("prune")
    .description(
      "remove stopped and errored agents (their waiting messages go to the dead letters)",
    )
    .option("--all", "remove every agent, stopping live ones first")
    .addOption(jsonOption())
    .action(async (opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      const r = await withTown(
        cmd,
        async (_t, store) => (await control()).pruneAgents(store, opts.all === true),
      );
      report(
        opts.json,
        { removed: r.removed.map(agentJson), dead_lettered: r.deadLettered },
        () =>
          r.removed.length === 0 ? ["No agents to prune."] : [
            ...r.removed.map((a) => `Removed ${a.name} (${a.id}) - ${stateDisplayName(a.state)}`),
            `Pruned ${r.removed.length} agent(s)`,
            ...(r.deadLettered
              ? [
                `${r.deadLettered} unhandled message(s) kept in the dead letters (tt inbox --dead)`,
              ]
              : []),
          ],
      );
    });

  program
    .command("agent-loop", { hidden: true })
    .description("run an agent's loop (started by tt spawn)")
    .argument("<name>")
    .argument("<id>")
    .argument("<max_rounds>", "", rounds)
    .action(async (name: string, id: string, maxRounds: number, _opts: unknown, cmd: Command) => {
      const agentId = parseId(id);
      if (!agentId) throw new UsageError(`invalid agent id: ${id}`);
      const { runAgentLoop } = await lazyImport<typeof import("../agent/loop_process.ts")>(
        "src/agent/loop_process.ts",
      );
      const end = await runAgentLoop({
        root: globalOptions(cmd).town,
        name,
        id: agentId,
        maxRounds,
      });
      if (end === "error") setExitCode(1);
    });
}

/** A spawn warning: one line on stderr, so `--json` output stays clean. */
function warn(line: string): void {
  writeErr(`warning: ${line}\n`);
}

function printSpawn(
  r: SpawnResult,
  json: boolean | undefined,
  maxRounds: number,
  verb = "Spawned",
): void {
  const a = r.agent;
  if (json) {
    return report(true, {
      ...agentJson(a),
      log_file: r.logFile,
      pid: r.pid ?? null,
      max_rounds: maxRounds,
    }, () => []);
  }
  if (r.exitCode !== undefined) {
    say(
      `Agent '${a.name}' ${r.exitCode === 0 ? "completed" : `exited with error (${r.exitCode})`}`,
    );
    if (r.exitCode !== 0) {
      throw new TtError(`agent loop for '${a.name}' exited with code ${r.exitCode}`);
    }
    return;
  }
  say(
    `${verb} agent '${a.name}' using CLI '${a.cli}'`,
    `  ID:       ${a.id}`,
    `  Nickname: ${a.nickname ?? "-"}`,
    `  Rounds:   up to ${maxRounds}, in the background (pid ${r.pid})`,
    `  Log:      ${r.logFile}`,
    `Check on it with: tt status`,
  );
}
