/**
 * What every library object of one open town shares: the domain's open town (config, paths,
 * the command connection), its store, and the environment the caller gave. Not exported from
 * mod.ts; the services reach it through `contextOf(town)`.
 */
import type { Store } from "../store/store.ts";
import { type Env, processEnv } from "../town/env.ts";
import type { Town as OpenTown } from "../town/town.ts";

export interface TownContext {
  open: OpenTown;
  store: Store;
  /** The process environment with the caller's overrides on top. */
  env: Env;
  /** The caller's overrides alone: what agent loops started by this handle get added. */
  envVars: Record<string, string>;
  /** CLIENT SETNAME of every connection this handle opens. */
  clientName: string;
}

/** The process environment with `vars` on top. */
export function layeredEnv(vars: Record<string, string>): Env {
  return { get: (key) => (Object.hasOwn(vars, key) ? vars[key] : processEnv.get(key)) };
}

const contexts = new WeakMap<object, TownContext>();

export function setContext(owner: object, ctx: TownContext): void {
  contexts.set(owner, ctx);
}

/** The context of a library Town; throws for anything else. */
export function contextOf(owner: object): TownContext {
  const ctx = contexts.get(owner);
  if (!ctx) throw new TypeError("not a Town from Town.init or Town.connect");
  return ctx;
}
