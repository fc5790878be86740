/** How a failed command ends: one line on stderr (a stack with --verbose), and its exit code. */
import { describeError, TtError } from "../errors.ts";
import { writeErr } from "./output.ts";

/** Prints `err` as one line; returns the exit code (a TtError's own, else 1). */
export function reportFailure(err: unknown, verbose: boolean): number {
  writeErr(`error: ${describeError(err)}\n`);
  if (verbose && err instanceof Error && err.stack) writeErr(`${err.stack}\n`);
  return err instanceof TtError ? err.exitCode : 1;
}
