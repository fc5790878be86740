/**
 * How commands print: human lines on stdout, or one JSON document with `--json`. Output goes
 * to the sink of the run (`runWithSink`): the process's stdout and stderr, or a capture, so a
 * command can run in process (tests) and its output and exit code be read back.
 */
import type { AsyncLocalStorage } from "node:async_hooks";

const encoder = new TextEncoder();

/** Where a run's output goes. */
export interface OutputSink {
  /** Writes bytes to stdout (`out`) or stderr (`err`). */
  write(to: "out" | "err", bytes: Uint8Array): void;
  /** Whether stdout is a terminal (raw log bytes are then masked, see `printable`). */
  readonly terminal: boolean;
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
}

/** The process's stdout and stderr. */
export const processSink: OutputSink = {
  write: (to, bytes) => writeAll(to === "out" ? Deno.stdout : Deno.stderr, bytes),
  get terminal() {
    return Deno.stdout.isTerminal();
  },
};

interface Run {
  sink: OutputSink;
  exitCode: number;
}

/**
 * Runs with a sink of their own (captures: tests, in-process callers) are told apart by an
 * AsyncLocalStorage, loaded on the first such run: `node:async_hooks` costs start-up time, and
 * a `tt` process has one run, on the process's own sink, which needs none.
 */
let runs: AsyncLocalStorage<Run> | undefined;
/** Not a literal, so Deno does not prepare the module before a run needs it (see src/lazy.ts). */
const ASYNC_HOOKS = "node:async_hooks";
/** The run on the process's sink (`tt` itself runs one at a time). */
let processRun: Run | undefined;

/** Runs `fn` with its output going to `sink`; returns its result and the exit code it set. */
export async function runWithSink<T>(
  sink: OutputSink,
  fn: () => Promise<T>,
): Promise<{ value: T; exitCode: number }> {
  const run: Run = { sink, exitCode: 0 };
  if (sink === processSink && runs?.getStore() === undefined) {
    const outer = processRun;
    processRun = run;
    try {
      return { value: await fn(), exitCode: run.exitCode };
    } finally {
      processRun = outer;
    }
  }
  if (runs === undefined) {
    const hooks: typeof import("node:async_hooks") = await import(ASYNC_HOOKS);
    runs ??= new hooks.AsyncLocalStorage<Run>();
  }
  const value = await runs.run(run, fn);
  return { value, exitCode: run.exitCode };
}

function currentRun(): Run | undefined {
  return runs?.getStore() ?? processRun;
}

/** The sink of the current run (the process's outside one). */
export function currentSink(): OutputSink {
  return currentRun()?.sink ?? processSink;
}

/** Sets the exit code of the current run (a command that reports a failure but printed fine). */
export function setExitCode(code: number): void {
  const run = currentRun();
  if (run) run.exitCode = code;
  else Deno.exitCode = code;
}

export function writeOut(text: string): void {
  currentSink().write("out", encoder.encode(text));
}

export function writeErr(text: string): void {
  currentSink().write("err", encoder.encode(text));
}

/** Writes raw bytes to stdout (log files as they are). */
export function writeOutBytes(bytes: Uint8Array): void {
  currentSink().write("out", bytes);
}

/** A sink that keeps what is written, for running commands in process. */
export class CapturedOutput implements OutputSink {
  readonly terminal = false;
  readonly #out: Uint8Array[] = [];
  readonly #err: Uint8Array[] = [];

  write(to: "out" | "err", bytes: Uint8Array): void {
    (to === "out" ? this.#out : this.#err).push(bytes.slice());
  }

  get stdout(): string {
    return decode(this.#out);
  }

  get stderr(): string {
    return decode(this.#err);
  }
}

function decode(chunks: readonly Uint8Array[]): string {
  const d = new TextDecoder();
  return chunks.map((c) => d.decode(c, { stream: true })).join("") + d.decode();
}

/**
 * C0/C1 control characters other than tab and newline, as U+FFFD. Human output shows text
 * that agents wrote (messages, tasks, logs); raw escape sequences in it could rewrite the
 * user's terminal. JSON output escapes them itself.
 */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, "\uFFFD");
}

/** Prints lines (each ends with a newline). */
export function say(...lines: string[]): void {
  if (lines.length) writeOut(printable(lines.join("\n")) + "\n");
}

/** Prints `value` as pretty JSON. */
export function printJson(value: unknown): void {
  writeOut(JSON.stringify(value, null, 2) + "\n");
}

/** `--json` prints the data; otherwise the human form. */
export function report<T>(json: boolean | undefined, data: T, human: (data: T) => string[]): void {
  if (json) printJson(data);
  else say(...human(data));
}
