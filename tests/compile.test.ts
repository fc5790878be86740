/**
 * scripts/compile.ts: argument handling and error lines always; the real build only where a
 * Deno runtime (denort) is at hand, because deno compile otherwise downloads one.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  applyDenortBin,
  firstErrorLine,
  hostTarget,
  isRuntimeDownloadFailure,
  outputPath,
  parseArgs,
  TARGETS,
} from "../scripts/compile.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const COMPILE_SCRIPT = fileURLToPath(new URL("../scripts/compile.ts", import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
  program: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Result> {
  const output = await new Deno.Command(program, {
    args,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

function runCompile(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return run(Deno.execPath(), ["run", "--allow-all", COMPILE_SCRIPT, ...args], { env });
}

function nonEmptyLines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

/** Where deno keeps downloaded runtimes; mirrors deno's own DENO_DIR defaults. */
function denoDir(): string | undefined {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const home = Deno.env.get("HOME");
  if (Deno.build.os === "darwin") return home && `${home}/Library/Caches/deno`;
  if (Deno.build.os === "windows") {
    const local = Deno.env.get("LOCALAPPDATA");
    return local && `${local}\\deno`;
  }
  const cache = Deno.env.get("XDG_CACHE_HOME") || (home && `${home}/.cache`);
  return cache ? `${cache}/deno` : undefined;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Decided once at load, without touching the network. */
function runtimeAvailable(): boolean {
  const host = hostTarget();
  if (host === undefined) return false;
  const denortBin = Deno.env.get("DENORT_BIN");
  if (denortBin) return isFile(denortBin);
  const dir = denoDir();
  const cached = `${dir}/dl/release/v${Deno.version.deno}/denort-${host}.zip`;
  return dir !== undefined && isFile(cached);
}

const HAVE_RUNTIME = runtimeAvailable();

Deno.test("compile: DENORT_BIN pointing at a missing file is one error line, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = `${dir}/no-such-denort`;
    const result = await runCompile(["--out-dir", dir], { DENORT_BIN: missing });
    assert.equal(result.code, 1);
    const lines = nonEmptyLines(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /^error: /);
    assert.ok(lines[0].includes(missing), lines[0]);
    assert.equal(result.stdout.trim(), "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compile: an unknown target is one error line, exit 2", async () => {
  const result = await runCompile(["linux-sparc"]);
  assert.equal(result.code, 2);
  const lines = nonEmptyLines(result.stderr);
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /^error: unknown target 'linux-sparc'/);
});

Deno.test("compile: --help exits 0 and lists every target", async () => {
  const result = await runCompile(["--help"]);
  assert.equal(result.code, 0);
  for (const target of TARGETS) assert.ok(result.stdout.includes(target), target);
});

Deno.test("compile: targets default to all five; aliases resolve and dedupe", () => {
  const all = parseArgs([]);
  assert.deepEqual(all.targets, [...TARGETS]);
  assert.equal(all.defaultTargets, true);
  const some = parseArgs(["linux-arm64", "macos-x64", "x86_64-apple-darwin", "-v"]);
  assert.deepEqual(some.targets, ["aarch64-unknown-linux-gnu", "x86_64-apple-darwin"]);
  assert.equal(some.defaultTargets, false);
  assert.equal(some.verbose, true);
  assert.throws(() => parseArgs(["--out-dir"]), { exitCode: 2 });
  assert.throws(() => parseArgs(["--frobnicate"]), { exitCode: 2 });
});

Deno.test("compile: output names are dist/tt-<target>, .exe for Windows", () => {
  assert.match(outputPath("/tmp/d", "aarch64-apple-darwin"), /[\\/]tt-aarch64-apple-darwin$/);
  assert.match(outputPath("/tmp/d", "x86_64-pc-windows-msvc"), /tt-x86_64-pc-windows-msvc\.exe$/);
});

Deno.test("compile: recognises deno's denort download failure, not other errors", () => {
  // Captured from `deno compile` 2.9.6 on a machine without access to dl.deno.land.
  const offline = [
    "error: Writing deno compile executable to temporary file '/tmp/out.tmp-6837349036ee87d5'",
    "",
    "Caused by:",
    "    0: Setting up base binary.",
    "    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-" +
    "unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address",
  ].join("\n");
  assert.equal(isRuntimeDownloadFailure(offline), true);
  const typeError = "TS2307 [ERROR]: Cannot find module 'file:///x/main.ts'.\n\n" +
    "error: Type checking failed.\n";
  assert.equal(isRuntimeDownloadFailure(typeError), false);
  assert.equal(
    firstErrorLine(typeError),
    "type check failed: TS2307 Cannot find module 'file:///x/main.ts'.",
  );
});

Deno.test("compile: DENORT_BIN narrows the default targets to the host only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const denort = `${dir}/denort`;
    await Deno.writeTextFile(denort, "not really a runtime");
    const host = "x86_64-unknown-linux-gnu" as const;

    const defaults = parseArgs([]);
    const note = applyDenortBin(defaults, denort, host);
    assert.deepEqual(defaults.targets, [host]);
    assert.match(note ?? "", /only the host target/);

    const explicit = parseArgs(["macos-arm64"]);
    assert.throws(() => applyDenortBin(explicit, denort, host), /only provides the host/);

    const deno = `${dir}/deno`;
    await Deno.writeTextFile(deno, "");
    assert.throws(() => applyDenortBin(parseArgs([]), deno, host), /deno CLI, not a denort/);
    assert.equal(applyDenortBin(parseArgs([]), undefined, host), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function killIfRunning(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await Deno.readTextFile(pidFile)).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // Already gone, which is what `tt stop` should have achieved.
  }
}

async function compiledBinary(): Promise<void> {
  const host = hostTarget()!;
  const outDir = await Deno.makeTempDir();
  const town = await Deno.makeTempDir();
  const ttHome = await Deno.makeTempDir();
  const env = { TT_HOME: ttHome };
  try {
    const build = await runCompile(["--out-dir", outDir, host]);
    assert.equal(build.code, 0, build.stderr);
    const binary = outputPath(outDir, host);
    assert.ok(isFile(binary), `missing ${binary}`);
    assert.ok(build.stdout.includes(binary.split(/[\\/]/).pop()!), build.stdout);

    const version = await run(binary, ["--version"], { cwd: town, env });
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^tt \d+\.\d+\.\d+/);

    const init = await run(binary, ["init"], { cwd: town, env });
    assert.equal(init.code, 0, init.stderr);
    assert.ok(isFile(`${town}/tinytown.toml`), "tt init did not write tinytown.toml");

    const stop = await run(binary, ["stop"], { cwd: town, env });
    assert.equal(stop.code, 0, stop.stderr);
  } finally {
    // Whatever the outcome, no redis-server may outlive the test.
    await killIfRunning(`${town}/.tt/redis.pid`);
    await killIfRunning(`${ttHome}/redis.pid`);
    for (const dir of [outDir, town, ttHome]) await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: HAVE_RUNTIME
    ? "compile: the host binary runs `tt --version`, `tt init` and `tt stop`"
    : "compiled binary (ignored: no denort runtime; set DENORT_BIN)",
  ignore: !HAVE_RUNTIME,
  fn: compiledBinary,
});
