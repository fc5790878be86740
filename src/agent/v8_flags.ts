/** V8 flags for agent loops (see loopV8Flags). */

/** Set on a loop started with tt's V8 flags, so the loop can keep them from its agent CLIs. */
export const LOOP_V8_MARK = "TT_LOOP_V8_FLAGS";

/**
 * An agent loop waits on Redis and child processes; V8's optimising compiler buys it nothing
 * and its code and heap reservations cost ~10 MiB over many rounds, so loops run in lite mode
 * unless the user set DENO_V8_FLAGS themselves.
 */
export function loopV8Flags(): Record<string, string> {
  if (Deno.env.get("DENO_V8_FLAGS")) return {};
  return { DENO_V8_FLAGS: "--lite-mode", [LOOP_V8_MARK]: "1" };
}

/** Called by the loop at start: its agent CLIs get the user's environment, not tt's flags. */
export function dropLoopV8Flags(): void {
  if (Deno.env.get(LOOP_V8_MARK) !== "1") return;
  Deno.env.delete("DENO_V8_FLAGS");
  Deno.env.delete(LOOP_V8_MARK);
}
