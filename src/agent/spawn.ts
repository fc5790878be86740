/** `tt spawn` and `tt restart`: register an agent and start its loop. */
import { TtError, UsageError } from "../errors.ts";
import { type Agent, isTerminalState, newAgent } from "../model/agent.ts";
import { newEvent } from "../model/event.ts";
import { validateAgentName } from "../model/names.ts";
import type { Store } from "../store/store.ts";
import { effectiveAgentClis, resolveCliName } from "../town/cli_presets.ts";
import type { Town } from "../town/town.ts";
import { launchAgentLoop, runAgentLoopForeground } from "./launch.ts";
import { hostname, waitForLoopExit } from "./liveness.ts";

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
  if (opts.cli !== undefined && opts.cli.trim() === "") {
    throw new UsageError("--cli needs a CLI name or a command (it was empty)");
  }
  const maxRounds = opts.maxRounds ?? DEFAULT_MAX_ROUNDS;
  checkRounds(maxRounds);
  // Resolve the parent first, so a bad --parent leaves nothing half-created.
  const parentId = opts.parent === undefined
    ? undefined
    : (await store.agents.resolve(opts.parent)).id;
  const cli = await chooseCli(town, opts.cli);
  const agent = newAgent(opts.name, cli, {
    ...(opts.role ? { roleId: opts.role } : {}),
    ...(opts.nickname ? { nickname: opts.nickname } : {}),
    ...(parentId ? { parentAgentId: parentId } : {}),
  });
  await store.agents.create(agent, town.config.maxAgents);
  await store.events.emit(
    newEvent("agent_spawned", `Agent ${agent.name} spawned with ${cli}`, {
      agentId: agent.id,
      ...(parentId ? { parentAgentId: parentId, childAgentId: agent.id } : {}),
      spawnMode: agent.spawnMode,
    }),
  );
  return await startLoop(town, store, agent, maxRounds, opts.foreground === true);
}

/** Starts a new loop for a stopped agent. */
export async function restartAgent(
  town: Town,
  store: Store,
  ref: string,
  opts: { maxRounds?: number; foreground?: boolean },
): Promise<SpawnResult> {
  const agent = await store.agents.resolveAgent(
    ref,
    "the conductor mailbox has no loop to restart",
  );
  const maxRounds = opts.maxRounds ?? DEFAULT_MAX_ROUNDS;
  checkRounds(maxRounds);
  if (!isTerminalState(agent.state)) {
    throw new TtError(
      `agent '${agent.name}' is still ${agent.state}; stop it first with 'tt kill ${agent.name}'`,
    );
  }
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
  return await startLoop(town, store, next, maxRounds, opts.foreground === true);
}

async function startLoop(
  town: Town,
  store: Store,
  agent: Agent,
  maxRounds: number,
  foreground: boolean,
): Promise<SpawnResult> {
  const logFile = `${town.paths.logsDir}/${agent.name}.log`;
  await Deno.mkdir(town.paths.logsDir, { recursive: true });
  await removeRoundLogs(town.paths.logsDir, agent.name);
  const loop = { root: town.root, name: agent.name, id: agent.id, maxRounds };
  if (foreground) return { agent, logFile, exitCode: await runAgentLoopForeground(loop) };
  await Deno.writeTextFile(logFile, "");
  const pid = await launchAgentLoop({ ...loop, logFile });
  // The loop records its own pid too; writing it here closes the window before it starts.
  await store.agents.update({ ...agent, pid, host: hostname() }, ["pid", "host"]);
  return { agent: { ...agent, pid, host: hostname() }, logFile, pid };
}

/**
 * The CLI for a new agent: `--cli`, else the town's default. A configured or built-in name is
 * stored by name; anything else must be a command whose program exists.
 */
async function chooseCli(town: Town, requested: string | undefined): Promise<string> {
  const clis = effectiveAgentClis(town.config.agentClis);
  const name = resolveCliName(requested ?? town.config.defaultCli, clis);
  if (clis.has(name)) return name;
  const program = name.trim().split(/\s+/)[0];
  if (!(await onPath(program))) {
    throw new TtError(
      `unknown agent CLI '${name}': not one of ${[...clis.keys()].join(", ")}, and '${program}' ` +
        `is not an executable on PATH (add it under [agent_clis] in tinytown.toml)`,
    );
  }
  return name;
}

async function onPath(program: string): Promise<boolean> {
  if (program.includes("/")) return await isExecutable(program);
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && await isExecutable(`${dir}/${program}`)) return true;
  }
  return false;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const st = await Deno.stat(path);
    return st.isFile && (st.mode === null || (st.mode & 0o111) !== 0);
  } catch {
    return false;
  }
}

async function removeRoundLogs(logsDir: string, name: string): Promise<void> {
  try {
    for await (const e of Deno.readDir(logsDir)) {
      if (e.isFile && e.name.startsWith(`${name}_round_`) && e.name.endsWith(".log")) {
        await Deno.remove(`${logsDir}/${e.name}`).catch(() => {});
      }
    }
  } catch {
    // no logs yet
  }
}

function checkRounds(n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new TtError(`max rounds must be a whole number >= 0, got ${n}`);
  }
}
