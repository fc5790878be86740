/**
 * `tt save` / `tt restore`: the town's whole Redis state as one readable JSON file at the town
 * root (so it can be committed and diffed), and back. Values that are not UTF-8 text are
 * stored as `{ "base64": … }`. A restore never overwrites a town that has data unless forced.
 */
import { join } from "node:path";
import { quoteExcerpt, TtError } from "../errors.ts";
import { isActiveState, isAgentState } from "../model/agent.ts";
import type { Store } from "../store/store.ts";
import { writeTextAtomic } from "../town/toml_file.ts";
import { checkTownState, readTownState, type TownState, writeTownState } from "./snapshot_redis.ts";

export const STATE_FILE_NAME = "tt-state.json";

export function defaultStatePath(root: string): string {
  return join(root, STATE_FILE_NAME);
}

/** Counts that say what a snapshot holds. */
export interface StateSummary {
  keys: number;
  agents: number;
  tasks: number;
  /** Messages waiting or in flight in every inbox. */
  messages: number;
  backlog: number;
}

export function summarizeState(state: TownState): StateSummary {
  const prefix = `tt:${state.town}:`;
  const out: StateSummary = { keys: 0, agents: 0, tasks: 0, messages: 0, backlog: 0 };
  for (const [key, dump] of Object.entries(state.keys)) {
    out.keys++;
    const rest = key.slice(prefix.length);
    const kind = rest.split(":")[0];
    if (kind === "agent" && dump.type === "hash") out.agents++;
    else if (kind === "task" && dump.type === "hash") out.tasks++;
    else if (["inbox", "urgent", "inflight"].includes(kind) && dump.type === "list") {
      out.messages += dump.value.length;
    } else if (rest === "backlog" && dump.type === "list") out.backlog = dump.value.length;
  }
  return out;
}

/** Agents a snapshot holds in an active state (their loops are not running after a restore). */
function activeAgentsIn(state: TownState): string[] {
  const prefix = `tt:${state.town}:agent:`;
  const out: string[] = [];
  for (const [key, dump] of Object.entries(state.keys)) {
    if (!key.startsWith(prefix) || dump.type !== "hash") continue;
    const st = dump.value.state;
    if (typeof st === "string" && isAgentState(st) && isActiveState(st)) {
      const name = dump.value.name;
      out.push(typeof name === "string" ? name : key.slice(prefix.length));
    }
  }
  return out;
}

export interface SaveResult {
  file: string;
  town: string;
  summary: StateSummary;
}

/** Writes the town's state to `file` (atomically: a reader never sees half a file). */
export async function saveTown(store: Store, town: string, file: string): Promise<SaveResult> {
  const state = await readTownState(store.redis, store.keys, town);
  await writeTextAtomic(file, JSON.stringify(state, null, 2) + "\n");
  return { file, town, summary: summarizeState(state) };
}

export interface RestoreResult {
  file: string;
  town: string;
  /** The town the snapshot was saved from, when it had another name. */
  savedFrom?: string;
  savedAt: string;
  summary: StateSummary;
  /** Keys of the town that were replaced (only with force). */
  replaced: number;
  /** Agents restored in an active state: their loops need restarting. */
  activeAgents: string[];
}

/**
 * Loads `file` into the town. A town that already has data (or running agents) is refused
 * unless `force`, which replaces everything in one transaction.
 */
export async function restoreTown(
  store: Store,
  town: string,
  file: string,
  force: boolean,
): Promise<RestoreResult> {
  let raw: string;
  try {
    raw = await Deno.readTextFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new TtError(`no state file at ${file}: save one with 'tt save'`);
    }
    throw new TtError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    throw new TtError(
      `${file} is not valid JSON${jsonProblem(err as Error)}: ${
        raw.trim() === "" ? "it is empty" : `it starts with ${quoteExcerpt(raw)}`
      }`,
    );
  }
  const state = checkTownState(data, file);
  const existing = await store.redis.scanAll(store.keys.pattern);
  if (existing.length && !force) {
    const live = (await store.agents.list()).filter((a) => isActiveState(a.state));
    throw new TtError(
      live.length
        ? `town '${town}' is live: ${live.length} agent(s) are active (${
          live.map((a) => a.name).join(", ")
        }); restore would replace all ${existing.length} of its keys: stop them or use --force`
        : `town '${town}' already has ${existing.length} key(s) in Redis; restore would replace ` +
          "them: run 'tt reset --force' first, or use --force",
    );
  }
  await writeTownState(store.redis, store.keys, state, existing);
  return {
    file,
    town,
    ...(state.town !== town ? { savedFrom: state.town } : {}),
    savedAt: state.saved_at,
    summary: summarizeState(state),
    replaced: existing.length,
    activeAgents: activeAgentsIn(state),
  };
}

/**
 * What JSON.parse objected to, without the excerpt of the input V8 puts in its message (raw,
 * and the whole file when it is short): ` (unexpected "x")`, ` (expected ':' after property
 * name at line L column C)` and the like, or "".
 */
function jsonProblem(err: Error): string {
  const token = /^Unexpected token '(.*?)', /su.exec(err.message);
  if (token) return ` (unexpected ${quoteExcerpt(token[1], 10)})`;
  const message = err.message.split(/, "|\n/)[0]
    .replace(/ in JSON at position \d+ \((line \d+ column \d+)\)/, " at $1")
    .replace(/^[A-Z]/, (c) => c.toLowerCase());
  return /^[\x20-\x7e]+$/.test(message) && !message.includes('"') ? ` (${message})` : "";
}
