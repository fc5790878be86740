/** `tt spawn` and `tt restart`: register an agent and start its loop. */
import { describeError, TtError, UsageError } from "../errors.ts";
import { type Agent, isTerminalState, newAgent } from "../model/agent.ts";
import { newEvent } from "../model/event.ts";
import { validateAgentName } from "../model/names.ts";
import { validateNickname } from "../model/nicknames.ts";
import { AgentNameConflictError } from "../store/agents.ts";
import type { Store } from "../store/store.ts";
import {
  type AgentCli,
  effectiveAgentClis,
  resolveCli,
  resolveCliName,
} from "../town/cli_presets.ts";
import { agentPaths } from "../town/paths.ts";
import type { Town } from "../town/town.ts";
import { appendLoopLog } from "../agent/agent_files.ts";
import { checkAgentCli } from "./agent_cli_checks.ts";
import { launchAgentLoop, runAgentLoopForeground } from "../agent/launch.ts";
import { hostname, waitForLoopExit } from "../agent/liveness.ts";

export const DEFAULT_MAX_ROUNDS = 10;
/** A killed loop may need its CLI's SIGTERM grace (5 s) plus SIGKILL and settling to end. */
const OLD_LOOP_EXIT_MS = 15_000;

export interface SpawnOptions {
  name: string;
  cli?: string;
  maxRounds?: number;
  role?: string;
  nickname?: string;
  parent?: string;
  foreground?: boolean;
  /** Told each warning (one line, no prefix) before the loop starts. */
  warn?: (line: string) => void;
  /** false: register the agent only (state starting), as tinytown's library does. */
  start?: boolean;
  /** Added to the loop's inherited environment (a library caller's TT_HOME, REDIS_URL...). */
  env?: Record<string, string>;
}

export interface SpawnResult {
  agent: Agent;
  logFile: string;
  /** Loop pid (background), or the loop's exit code (foreground). */
  pid?: number;
  exitCode?: number;
}

export async function spawnAgent(
  town: Town,
  store: Store,
  opts: SpawnOptions,
): Promise<SpawnResult> {
  validateAgentName(opts.name);
  if (opts.nickname !== undefined) validateNickname(opts.nickname);
  if (opts.cli !== undefined && opts.cli.trim() === "") {
    throw new UsageError("--cli needs a CLI name or a command (it was empty)");
  }
  const maxRounds = opts.maxRounds ?? DEFAULT_MAX_ROUNDS;
  checkRounds(maxRounds);
  // Resolve the parent first, so a bad --parent leaves nothing half-created.
  const parentId = opts.parent === undefined
    ? undefined
    : (await store.agents.resolve(opts.parent)).id;
  // A record-only agent (library `start: false`) runs no CLI now; restart checks it then.
  const cli = await chooseCli(town, opts.cli, opts.warn, opts.start !== false);
  const agent = await createAgent(
    store,
    town.config.maxAgents,
    opts.nickname === undefined,
    () =>
      newAgent(opts.name, cli, {
        ...(opts.role ? { roleId: opts.role } : {}),
        ...(opts.nickname !== undefined ? { nickname: opts.nickname } : {}),
        ...(parentId ? { parentAgentId: parentId } : {}),
      }),
  );
  await store.events.emit(
    newEvent("agent_spawned", `Agent ${agent.name} spawned with ${cli}`, {
      agentId: agent.id,
      ...(parentId ? { parentAgentId: parentId, childAgentId: agent.id } : {}),
      spawnMode: agent.spawnMode,
    }),
  );
  if (opts.start === false) {
    return { agent, logFile: agentPaths(town.paths, agent.name).loopLog };
  }
  return await startLoop(
    town,
    store,
    agent,
    maxRounds,
    opts.foreground === true,
    "spawn",
    opts.env,
  );
}

/** Fresh ids tried when the nickname picked from the id is another agent's name. */
const NICKNAME_TRIES = 50;

/**
 * Registers the agent `make` builds. A nickname picked from the id that is another agent's
 * name is not the user's choice: a fresh id (and so nickname) is tried instead.
 */
async function createAgent(
  store: Store,
  maxAgents: number,
  pickedNickname: boolean,
  make: () => Agent,
): Promise<Agent> {
  for (let attempt = 1;; attempt++) {
    const agent = make();
    try {
      await store.agents.create(agent, maxAgents);
      return agent;
    } catch (err) {
      const retry = err instanceof AgentNameConflictError && err.why === "nickname-is-name" &&
        pickedNickname && attempt < NICKNAME_TRIES;
      if (!retry) throw err;
    }
  }
}

/** Starts a new loop for a stopped agent. */
export async function restartAgent(
  town: Town,
  store: Store,
  ref: string,
  opts: {
    maxRounds?: number;
    foreground?: boolean;
    warn?: (line: string) => void;
    env?: Record<string, string>;
  },
): Promise<SpawnResult> {
  const agent = await store.agents.resolveAgent(
    ref,
    "the conductor mailbox has no loop to restart",
  );
  const maxRounds = opts.maxRounds ?? DEFAULT_MAX_ROUNDS;
  checkRounds(maxRounds);
  // The record may come from another tool or a restored file: its name must be one tt can
  // use in file paths before anything changes.
  agentFilesOf(town, agent);
  if (!isTerminalState(agent.state)) {
    throw new TtError(
      `agent '${agent.name}' is still ${agent.state}; stop it first with 'tt kill ${agent.name}'`,
    );
  }
  // The CLI may have been uninstalled, or its table changed, since the agent was spawned.
  await checkCli(town, agent.cli, opts.warn);
  // `tt kill` marks the agent stopped at once; its loop may still be ending a CLI. Its last
  // writes (state, pid, lease, in-flight messages) must not land on the new loop's record.
  if (!(await waitForLoopExit(agent, OLD_LOOP_EXIT_MS))) {
    throw new TtError(
      `agent '${agent.name}': its previous loop (pid ${agent.pid}) is still running; try again`,
    );
  }
  const now = new Date();
  const next: Agent = {
    ...agent,
    state: "starting",
    roundsCompleted: 0,
    lastHeartbeat: now,
    lastActiveAt: now,
  };
  delete next.lastError;
  delete next.lastErrorDetail;
  await store.agents.update(next, [
    "state",
    "roundsCompleted",
    "lastHeartbeat",
    "lastActiveAt",
    "lastError",
    "lastErrorDetail",
  ]);
  await store.redis.del(store.keys.stop(agent.id));
  await store.activity.add(agent.id, `🔄 Restarted with ${maxRounds} rounds`);
  await store.events.emit(
    newEvent("agent_state_changed", `Agent ${agent.name} restarted`, {
      agentId: agent.id,
      oldState: agent.state,
      newState: "starting",
    }),
  );
  return await startLoop(
    town,
    store,
    next,
    maxRounds,
    opts.foreground === true,
    "restart",
    opts.env,
  );
}

async function startLoop(
  town: Town,
  store: Store,
  agent: Agent,
  maxRounds: number,
  foreground: boolean,
  how: "spawn" | "restart",
  env?: Record<string, string>,
): Promise<SpawnResult> {
  const files = agentPaths(town.paths, agent.name);
  const logFile = files.loopLog;
  const loop = {
    root: town.root,
    name: agent.name,
    id: agent.id,
    maxRounds,
    ...(env ? { env } : {}),
  };
  if (foreground) return { agent, logFile, exitCode: await runAgentLoopForeground(loop) };
  // Appended, never truncated: the log of earlier runs is evidence (`tt logs --loop`).
  await appendLoopLog(
    files,
    `===== ${new Date().toISOString()} tt ${how}: new loop for ${agent.name} (${agent.id}), ` +
      `up to ${maxRounds} rounds =====`,
  );
  const pid = await launchAgentLoop({ ...loop, logFile });
  // The loop records its own pid too; writing it here closes the window before it starts.
  await store.agents.update({ ...agent, pid, host: hostname() }, ["pid", "host"]);
  return { agent: { ...agent, pid, host: hostname() }, logFile, pid };
}

/**
 * The CLI for a new agent: `--cli`, else the town's default. A configured or built-in name is
 * stored by name; anything else is a command line stored as given. Either way it must be able
 * to start (see checkCli).
 */
async function chooseCli(
  town: Town,
  requested: string | undefined,
  warn?: (line: string) => void,
  check = true,
): Promise<string> {
  const clis = effectiveAgentClis(town.config.agentClis);
  const name = resolveCliName(requested ?? town.config.defaultCli, clis);
  if (check) await checkCli(town, name, warn, clis);
  return name;
}

/**
 * Refuses (one line) a CLI whose workdir is missing or whose program cannot be found the way
 * its rounds will look for it; passes on the warnings that do not stop it.
 */
async function checkCli(
  town: Town,
  ref: string,
  warn?: (line: string) => void,
  clis: Map<string, AgentCli> = effectiveAgentClis(town.config.agentClis),
): Promise<void> {
  const name = resolveCliName(ref, clis);
  const configured = clis.has(name);
  const cli = resolveCli(name, clis);
  let warnings: string[];
  try {
    warnings = await checkAgentCli(cli, {
      townRoot: town.root,
      shimDir: town.paths.binDir,
      configured,
    });
  } catch (err) {
    if (configured || !(err instanceof TtError)) throw err;
    throw new TtError(
      `unknown agent CLI '${name}': not one of ${[...clis.keys()].join(", ")}, and ` +
        `'${
          cli.argv[0]
        }' is not an executable on PATH (add it under [agent_clis] in tinytown.toml)`,
    );
  }
  for (const line of warnings) warn?.(line);
}

/** The agent's paths; a record whose name is not a valid agent name is refused, saying so. */
function agentFilesOf(town: Town, agent: Agent) {
  try {
    return agentPaths(town.paths, agent.name);
  } catch (err) {
    throw new TtError(
      `agent ${agent.id} has a name tt cannot use: ${describeError(err)}; ` +
        `remove it with 'tt prune' once stopped`,
    );
  }
}

function checkRounds(n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new TtError(`max rounds must be a whole number >= 0, got ${n}`);
  }
}
