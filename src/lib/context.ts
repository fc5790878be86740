/**
 * What every library object of one open town shares: the service layer's TownContext (open
 * town, store, the environment the caller gave) plus this handle's connection name. Not
 * exported from mod.ts; the library's service wrappers reach it through `contextOf(town)`.
 */
import type { TownContext } from "../service/context.ts";
import { type Env, processEnv } from "../town/env.ts";

export interface HandleContext extends TownContext {
  /** The caller's overrides alone: what agent loops started by this handle get added. */
  envVars: Record<string, string>;
  /** CLIENT SETNAME of every connection this handle opens. */
  clientName: string;
}

/** The process environment with `vars` on top. */
export function layeredEnv(vars: Record<string, string>): Env {
  return { get: (key) => (Object.hasOwn(vars, key) ? vars[key] : processEnv.get(key)) };
}

const contexts = new WeakMap<object, HandleContext>();

export function setContext(owner: object, ctx: HandleContext): void {
  contexts.set(owner, ctx);
}

/** The context of a library Town; throws for anything else. */
export function contextOf(owner: object): HandleContext {
  const ctx = contexts.get(owner);
  if (!ctx) throw new TypeError("not a Town from Town.init or Town.connect");
  return ctx;
}
