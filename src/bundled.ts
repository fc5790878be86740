/**
 * Whether this process runs the bundled build (dist/tt.js, `deno task bundle`) rather than
 * main.ts from source. A bundled tt must start its loops and agents' `tt` from the bundle
 * too, and with `--no-config`: the bundle resolves every import itself, and reading the
 * checkout's deno.json and lock file would only cost start-up time.
 */
let bundledMain: string | undefined;

/** Called first thing by src/bundle/entry.ts with the bundle's own path. */
export function markBundled(mainPath: string): void {
  bundledMain = mainPath;
}

/** The bundle's path when running bundled, else undefined. */
export function bundledMainPath(): string | undefined {
  return bundledMain;
}

/** The `deno run` flags of tt from source. */
export const SOURCE_RUN_FLAGS: readonly string[] = ["--allow-all", "--quiet"];

/**
 * The flags of a bundled command (the `tt` shims). `--no-lazy` compiles every function of a
 * file when it loads, so V8's code cache, which Deno keeps per file, holds them all and later
 * runs skip compiling; a short command otherwise compiles each function it runs, every time
 * (measured: `tt send` 44 -> 38 ms where a bare `deno run` took 22).
 */
export const BUNDLE_COMMAND_FLAGS: readonly string[] = [
  "--allow-all",
  "--quiet",
  "--no-config",
  "--v8-flags=--no-lazy",
];

/** The flags of a bundled agent loop: long-lived, so compiling lazily saves its memory. */
export const BUNDLE_LOOP_FLAGS: readonly string[] = ["--allow-all", "--quiet", "--no-config"];

/** The `deno run` flags that start this same tt again (before the main module's path). */
export function denoRunFlags(use: "command" | "loop"): string[] {
  if (bundledMain === undefined) return [...SOURCE_RUN_FLAGS];
  return [...(use === "loop" ? BUNDLE_LOOP_FLAGS : BUNDLE_COMMAND_FLAGS)];
}
