/**
 * Builds standalone `tt` binaries with `deno compile` into dist/tt-<target>.
 *
 * deno compile needs a `denort` runtime for each target. It downloads it from dl.deno.land
 * (cached under $DENO_DIR/dl/) unless DENORT_BIN names a local one. DENORT_BIN is used for
 * whatever target is asked for, so with it set only the host target can be built correctly.
 *
 * Usage: deno task compile [--verbose] [--out-dir DIR] [TARGET...]
 */
import { isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LAZY_MODULES } from "../src/lazy.ts";

export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;
export type Target = (typeof TARGETS)[number];

const ALIASES: Record<string, Target> = {
  "linux-x64": "x86_64-unknown-linux-gnu",
  "linux-arm64": "aarch64-unknown-linux-gnu",
  "macos-x64": "x86_64-apple-darwin",
  "macos-arm64": "aarch64-apple-darwin",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "windows-x64": "x86_64-pc-windows-msvc",
};

/** Baked into every binary: what `deno task tt` grants. */
export const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-run",
  "--allow-env",
  "--allow-sys",
];

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ENTRY = "main.ts";

const USAGE = `Usage: deno task compile [options] [TARGET...]

Builds dist/tt-<target> for each TARGET (all of them when none is given).

Targets:
  x86_64-unknown-linux-gnu   (linux-x64)
  aarch64-unknown-linux-gnu  (linux-arm64)
  x86_64-apple-darwin        (macos-x64)
  aarch64-apple-darwin       (macos-arm64)
  x86_64-pc-windows-msvc     (windows-x64, writes tt-x86_64-pc-windows-msvc.exe)

Options:
  --out-dir DIR   write the binaries to DIR instead of dist/
  --verbose, -v   show deno compile's own output
  --help, -h      show this help

deno compile downloads a Deno runtime (denort) for each target from dl.deno.land. Offline, set
DENORT_BIN to a denort binary for this machine; only the host target can then be built.`;

export interface CompileOptions {
  targets: Target[];
  /** True when no target was named, so the default set may be narrowed. */
  defaultTargets: boolean;
  outDir: string;
  verbose: boolean;
  help: boolean;
}

/** A problem worth exactly one line; exitCode 2 means bad usage. */
export class CompileError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "CompileError";
  }
}

export function resolveTarget(name: string): Target | undefined {
  if ((TARGETS as readonly string[]).includes(name)) return name as Target;
  return ALIASES[name];
}

export function parseArgs(args: string[]): CompileOptions {
  const options: CompileOptions = {
    targets: [],
    defaultTargets: true,
    outDir: resolve(ROOT, "dist"),
    verbose: false,
    help: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") options.help = true;
    else if (arg === "--verbose" || arg === "-v") options.verbose = true;
    else if (arg === "--out-dir" || arg.startsWith("--out-dir=")) {
      const value = arg === "--out-dir" ? args[++i] : arg.slice("--out-dir=".length);
      if (!value) throw new CompileError("--out-dir needs a directory", 2);
      options.outDir = resolve(value);
    } else if (arg.startsWith("-")) {
      throw new CompileError(`unknown option '${arg}' (see --help)`, 2);
    } else {
      const target = resolveTarget(arg);
      if (target === undefined) {
        const known = [...TARGETS, ...Object.keys(ALIASES)].join(", ");
        throw new CompileError(`unknown target '${arg}' (known: ${known})`, 2);
      }
      if (!options.targets.includes(target)) options.targets.push(target);
      options.defaultTargets = false;
    }
  }
  if (options.defaultTargets) options.targets = [...TARGETS];
  return options;
}

export function hostTarget(): Target | undefined {
  return resolveTarget(Deno.build.target);
}

export function outputPath(outDir: string, target: Target): string {
  const suffix = target.includes("windows") ? ".exe" : "";
  return resolve(outDir, `tt-${target}${suffix}`);
}

/**
 * Checks DENORT_BIN and narrows the targets to the host when it is set. Returns a note for the
 * user when the default target list was narrowed.
 */
export function applyDenortBin(
  options: CompileOptions,
  denortBin: string | undefined,
  host: Target | undefined,
): string | undefined {
  if (denortBin === undefined || denortBin === "") return undefined;
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(denortBin);
  } catch {
    throw new CompileError(
      `DENORT_BIN=${denortBin} does not exist: point it at a denort binary or unset it`,
    );
  }
  if (!info.isFile) throw new CompileError(`DENORT_BIN=${denortBin} is not a file`);
  const base = denortBin.split(/[\\/]/).pop()?.toLowerCase();
  if (base === "deno" || base === "deno.exe") {
    // deno accepts it silently, but the result is a plain Deno CLI, not tt.
    throw new CompileError(
      `DENORT_BIN=${denortBin} is the deno CLI, not a denort runtime; the binary would not run tt`,
    );
  }
  if (host === undefined) {
    throw new CompileError(`DENORT_BIN is set but this host (${Deno.build.target}) is no target`);
  }
  const foreign = options.targets.filter((target) => target !== host);
  if (foreign.length === 0) return undefined;
  if (!options.defaultTargets) {
    throw new CompileError(
      `DENORT_BIN only provides the host runtime (${host}); ${foreign.join(", ")} need a ` +
        "download from dl.deno.land: unset DENORT_BIN where that is reachable",
    );
  }
  options.targets = [host];
  return `note: DENORT_BIN is set, so only the host target ${host} is built ` +
    "(cross targets need a download from dl.deno.land)";
}

/**
 * Recognises deno compile failing to obtain denort (offline, DNS, proxy...). Deno reports it as
 * "Setting up base binary" with the dl.deno.land URL of denort-<target>.zip. A generic network
 * word is not enough: npm downloads can fail too, and that is a different problem.
 */
export function isRuntimeDownloadFailure(stderr: string): boolean {
  return /dl\.deno\.land|denort|base binary/i.test(stderr);
}

// Some of deno's hints are coloured even with NO_COLOR set.
// deno-lint-ignore no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-9;]*m/g;

/** One line that says why deno compile failed: the first type error, else its `error:` line. */
export function firstErrorLine(stderr: string): string {
  const lines = stderr.replace(ANSI_ESCAPE, "").split("\n").map((line) => line.trim())
    .filter((line) => line !== "");
  const typeErrors = lines.filter((line) => /^TS\d+ \[ERROR\]/.test(line));
  if (typeErrors.length > 0) {
    const more = typeErrors.length > 1 ? ` (+${typeErrors.length - 1} more)` : "";
    return `type check failed: ${typeErrors[0].replace(/ \[ERROR\]:/, "")}${more}`;
  }
  const error = lines.find((line) => line.startsWith("error:")) ?? lines[0] ?? "unknown error";
  return error.replace(/^error:\s*/, "");
}

function compileArgs(target: Target, output: string, typeCheck: boolean): string[] {
  return [
    "compile",
    ...(typeCheck ? [] : ["--no-check"]),
    ...PERMISSIONS,
    "--target",
    target,
    "--output",
    output,
    ...LAZY_MODULES.flatMap((module) => ["--include", module]),
    ENTRY,
  ];
}

async function compileOne(
  target: Target,
  output: string,
  typeCheck: boolean,
  verbose: boolean,
): Promise<void> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(target, output, typeCheck),
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  if (verbose) {
    // Captured rather than inherited so failures can still be classified below.
    await Deno.stderr.write(result.stdout);
    await Deno.stderr.write(result.stderr);
  }
  if (result.success) return;
  if (isRuntimeDownloadFailure(stderr)) {
    throw new CompileError(
      `no Deno runtime (denort) available for ${target}: set DENORT_BIN to a denort binary ` +
        "or run where dl.deno.land is reachable",
    );
  }
  const hint = verbose ? "" : " (run with --verbose for deno's output)";
  throw new CompileError(`deno compile failed for ${target}: ${firstErrorLine(stderr)}${hint}`);
}

function shown(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/** Builds every requested target; stops at the first failure. Returns the files written. */
export async function compile(options: CompileOptions): Promise<string[]> {
  await Deno.mkdir(options.outDir, { recursive: true });
  const built: string[] = [];
  for (const [index, target] of options.targets.entries()) {
    const output = outputPath(options.outDir, target);
    // Type-checking once is enough: the code is the same for every target.
    await compileOne(target, output, index === 0, options.verbose);
    console.log(shown(output));
    built.push(output);
  }
  return built;
}

async function main(args: string[]): Promise<number> {
  try {
    const options = parseArgs(args);
    if (options.help) {
      console.log(USAGE);
      return 0;
    }
    const note = applyDenortBin(options, Deno.env.get("DENORT_BIN"), hostTarget());
    if (note !== undefined) console.error(note);
    await compile(options);
    return 0;
  } catch (err) {
    if (err instanceof CompileError) {
      console.error(`error: ${err.message}`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    console.error(`error: ${message}`);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
