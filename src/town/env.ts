/**
 * Read-only view of environment variables. Town code takes one as a parameter (defaulting to
 * the process environment) so tests can pass a fake instead of mutating `Deno.env`.
 */
export interface Env {
  get(key: string): string | undefined;
}

/**
 * Variables laid over the process environment for one in-process run of the CLI (tests). Kept
 * per isolate, not in `Deno.env`: parallel test modules run in workers of one process and
 * share `Deno.env`, so swapping it there leaks one module's PATH or TT_HOME into another's.
 */
let overlay: Record<string, string> | undefined;

/** Runs `fn` with `vars` over the process environment for tt's own reads (one run at a time). */
export async function withEnvOverlay<T>(
  vars: Record<string, string>,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = overlay;
  overlay = { ...saved, ...vars };
  try {
    return await fn();
  } finally {
    overlay = saved;
  }
}

/** One variable: the overlay's, else the process's. */
export function envVar(key: string): string | undefined {
  return overlay && Object.hasOwn(overlay, key) ? overlay[key] : Deno.env.get(key);
}

/** Every variable, the overlay's on top: what a child process inherits. */
export function envObject(): Record<string, string> {
  return overlay ? { ...Deno.env.toObject(), ...overlay } : Deno.env.toObject();
}

/** The real process environment (with a test run's overlay, see withEnvOverlay). */
export const processEnv: Env = { get: (key) => envVar(key) };

/** An `Env` backed by a plain object; handy in tests and for layering overrides. */
export function envFrom(values: Record<string, string | undefined>): Env {
  return { get: (key) => Object.hasOwn(values, key) ? values[key] : undefined };
}
