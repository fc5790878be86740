/**
 * The files in an agent's folder (`.tt/agents/<name>/`): its loop log and one log and prompt
 * per round. Nothing here deletes or truncates: round numbers go on across restarts (a new
 * round takes the next free number), and each loop adds to the loop log after a header line,
 * so the evidence of earlier runs is kept.
 */
import { AgentNotFoundError } from "../errors.ts";
import type { Agent } from "../model/agent.ts";
import { agentNameProblem } from "../model/names.ts";
import type { Store } from "../store/store.ts";
import { type AgentPaths, agentPaths, roundFileNumber } from "../town/paths.ts";
import type { Town } from "../town/town.ts";
import {
  mkdirPrivate,
  PRIVATE_FILE_MODE,
  privateAppend,
  writePrivateFile,
} from "../private_files.ts";

/** The agent's folder, private as everything under `.tt/` (an existing one is made so too). */
export async function ensureAgentDir(p: AgentPaths): Promise<void> {
  await mkdirPrivate(p.dir);
}

export interface RoundFiles {
  round: number;
  log?: string;
  prompt?: string;
}

/** The rounds that left a file in the folder, oldest first (none when it does not exist). */
export async function listRounds(p: AgentPaths): Promise<RoundFiles[]> {
  const rounds = new Map<number, RoundFiles>();
  try {
    for await (const e of Deno.readDir(p.dir)) {
      const f = e.isFile ? roundFileNumber(e.name) : undefined;
      if (!f) continue;
      const r = rounds.get(f.round) ?? { round: f.round };
      if (f.kind === "log") r.log = p.roundLog(f.round);
      else r.prompt = p.roundPrompt(f.round);
      rounds.set(f.round, r);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return [...rounds.values()].sort((a, b) => a.round - b.round);
}

/**
 * Takes the next round number: one past the highest in the folder, made ours by creating its
 * (empty) log exclusively, so a restart or a retried round never reuses a number.
 */
export async function claimRound(p: AgentPaths): Promise<number> {
  await ensureAgentDir(p);
  const rounds = await listRounds(p);
  let n = rounds.length ? rounds[rounds.length - 1].round + 1 : 1;
  for (;; n++) {
    try {
      const file = await Deno.open(p.roundLog(n), {
        write: true,
        createNew: true,
        mode: PRIVATE_FILE_MODE,
      });
      file.close();
      return n;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
  }
}

/** Writes a round's prompt (a file private to the user). */
export async function writeRoundPrompt(p: AgentPaths, round: number, text: string) {
  await ensureAgentDir(p);
  await writePrivateFile(p.roundPrompt(round), text);
}

/**
 * Appends `line` to the loop log (created private when missing). Each spawn and restart
 * writes one before its loop starts, so the runs stay apart and none is truncated.
 */
export async function appendLoopLog(p: AgentPaths, line: string): Promise<void> {
  await ensureAgentDir(p);
  await privateAppend(p.loopLog, `${line}\n`);
}

/**
 * The folder of the agent `ref` names (any reference `tt` accepts). The files outlive the
 * record: a name that is no longer in the town (pruned) still finds its folder.
 */
export async function findAgentFiles(
  town: Town,
  store: Store,
  ref: string,
): Promise<{ paths: AgentPaths; agent?: Agent }> {
  try {
    const agent = await store.agents.resolveAgent(ref, "the conductor has no logs of its own");
    return { paths: agentPaths(town.paths, agent.name), agent };
  } catch (err) {
    if (!(err instanceof AgentNotFoundError) || agentNameProblem(ref) !== undefined) throw err;
    const paths = agentPaths(town.paths, ref);
    if (!(await isDir(paths.dir))) throw err;
    return { paths };
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}
