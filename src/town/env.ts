/**
 * Read-only view of environment variables. Town code takes one as a parameter (defaulting to
 * the process environment) so tests can pass a fake instead of mutating `Deno.env`.
 */
export interface Env {
  get(key: string): string | undefined;
}

/** The real process environment. */
export const processEnv: Env = { get: (key) => Deno.env.get(key) };

/** An `Env` backed by a plain object; handy in tests and for layering overrides. */
export function envFrom(values: Record<string, string | undefined>): Env {
  return { get: (key) => Object.hasOwn(values, key) ? values[key] : undefined };
}
