/**
 * The opened town every service operation takes: the domain's open town (config, paths, the
 * command connection), its store, and the environment to resolve names and start loops with.
 * The faces build it: the CLI for one command, the library for one Town handle.
 */
import type { Store } from "../store/store.ts";
import type { Env } from "../town/env.ts";
import type { Town as OpenTown } from "../town/town.ts";

export interface TownContext {
  open: OpenTown;
  store: Store;
  /** The environment, with a caller's overrides on top. */
  env: Env;
  /** The caller's overrides alone: what agent loops started through this context get added. */
  envVars?: Record<string, string>;
}
