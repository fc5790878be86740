/**
 * What every mission operation starts from: the environment (store, town root, settings, the
 * `gh` runner) and the mission a reference names, loaded for a change.
 */
import { TtError } from "../errors.ts";
import { parseId } from "../model/ids.ts";
import type { Store } from "../store/store.ts";
import { DEFAULT_MISSION_CONFIG, type MissionConfig } from "./config.ts";
import { type GhRunner, ghRunner } from "./gh.ts";
import { GitHub } from "./github.ts";
import { WorkingSet } from "./working_set.ts";

/** What mission operations need: the town's store and root, settings and the `gh` runner. */
export interface MissionEnv {
  store: Store;
  /** The town root: `git remote` and `gh` run here. */
  root: string;
  config?: MissionConfig;
  gh?: GhRunner;
}

export class MissionNotFoundError extends TtError {
  constructor(readonly ref: string) {
    super(`mission not found: ${ref} (see 'tt mission list --all')`);
  }
}

export const configOf = (env: MissionEnv) => env.config ?? DEFAULT_MISSION_CONFIG;
export const githubOf = (env: MissionEnv) => new GitHub(env.gh ?? ghRunner(), env.root);

/** A mission id from a full id or a unique prefix of 4+ characters. */
export async function resolveMissionId(env: MissionEnv, ref: string): Promise<string> {
  const text = ref.trim();
  const id = parseId(text);
  if (id) {
    if ((await env.store.missions.getMany([id])).length === 0) throw new MissionNotFoundError(ref);
    return id;
  }
  if (!/^[0-9a-f-]{4,35}$/i.test(text)) {
    throw new MissionNotFoundError(`${ref} (a mission id is a UUID or its first 4+ characters)`);
  }
  const matches = (await env.store.missions.allIds()).filter((m) =>
    m.startsWith(text.toLowerCase())
  );
  if (matches.length === 0) throw new MissionNotFoundError(ref);
  if (matches.length > 1) {
    throw new TtError(
      `mission id '${ref}' is ambiguous: ${matches.length} missions start with it; use more characters`,
    );
  }
  return matches[0];
}

/** The mission `ref` names (full id or unique prefix), loaded for a change. */
export async function loadMission(env: MissionEnv, ref: string): Promise<WorkingSet> {
  const id = await resolveMissionId(env, ref);
  const ws = await WorkingSet.load(env.store, id);
  if (!ws) throw new MissionNotFoundError(ref);
  return ws;
}
