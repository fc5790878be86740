/**
 * `deno task bundle`: builds tt as a handful of plain JavaScript files in dist/bundle/, with
 * `tt.js` as the program (`deno run -A --no-config dist/bundle/tt.js <command>`; see
 * BUNDLE_COMMAND_FLAGS), or
 * `deno task install` for a `tt` on the PATH. It is the fast form of tt where a compiled
 * binary cannot be built (`deno compile` needs a runtime download): a command loads one
 * file and a few chunks instead of ~70 TypeScript modules, and skips the checkout's config
 * and lock file.
 *
 * How: `deno bundle` (esbuild) with code splitting, from src/bundle/entry.ts, which gives a
 * literal import for each lazily loaded module so each becomes a chunk. The chunks' own
 * dynamic imports are then rewritten to run-time URLs: Deno loads every literal dynamic
 * import of a program before its first line runs, which would read all ~120 chunks for
 * every command (the reason for src/lazy.ts in the source form).
 *
 *   deno run -A scripts/bundle.ts [--out DIR] [--install [--root DIR]]
 *
 * `--install` then writes a `tt` command into ~/.deno/bin (or `<root>/bin`): a sh script that
 * runs the bundle with all permissions and without a config file.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ttShimScript } from "../src/agent/tt_shim.ts";
import { BUNDLE_COMMAND_FLAGS } from "../src/bundled.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const ENTRY = "src/bundle/entry.ts";
const DEFAULT_OUT = join(ROOT, "dist", "bundle");
/** A literal dynamic import of one of the bundle's own chunks, as esbuild writes it. */
const CHUNK_IMPORT = /\bimport\(\s*"(\.\/[A-Za-z0-9_.-]+\.js)"\s*\)/g;

export interface BundleResult {
  dir: string;
  main: string;
  files: number;
  bytes: number;
}

/** Builds the bundle into `outDir` (replacing what was there) and returns where it is. */
export async function buildBundle(outDir = DEFAULT_OUT): Promise<BundleResult> {
  const staging = `${outDir}.tmp-${Deno.pid}`;
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  const args = [
    "bundle",
    "--quiet",
    "--code-splitting",
    "--minify",
    "--platform",
    "deno",
    "--outdir",
    staging,
    ENTRY,
  ];
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).trim().split("\n")[0];
    throw new Error(`deno bundle failed: ${why || `exit code ${out.code}`}`);
  }
  let files = 0;
  let bytes = 0;
  for await (const entry of Deno.readDir(staging)) {
    if (!entry.isFile || !entry.name.endsWith(".js")) continue;
    const path = join(staging, entry.name);
    const source = await Deno.readTextFile(path);
    if (source.includes('"./entry.js"')) {
      throw new Error(`${entry.name} imports the entry chunk, which is renamed to tt.js`);
    }
    const rewritten = source.replace(
      CHUNK_IMPORT,
      (_, chunk: string) => `import(new URL(${JSON.stringify(chunk)},import.meta.url).href)`,
    );
    if (rewritten !== source) await Deno.writeTextFile(path, rewritten);
    files++;
    bytes += new TextEncoder().encode(rewritten).length;
  }
  await Deno.rename(join(staging, "entry.js"), join(staging, "tt.js"));
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  await Deno.rename(staging, outDir);
  return { dir: outDir, main: join(outDir, "tt.js"), files, bytes };
}

/**
 * Writes `<root>/bin/tt`, a sh script that runs `main` (the bundle) with deno: the same shim
 * tt writes into a town for its agents. `root` defaults to $DENO_INSTALL_ROOT, else ~/.deno,
 * where `deno install` puts commands.
 */
export async function installBundle(main: string, root?: string): Promise<string> {
  const base = root ?? Deno.env.get("DENO_INSTALL_ROOT") ?? join(homeDir(), ".deno");
  const bin = join(base, "bin");
  await Deno.mkdir(bin, { recursive: true });
  const target = join(bin, "tt");
  const tmp = `${target}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(tmp, ttShimScript(Deno.execPath(), main, BUNDLE_COMMAND_FLAGS), {
    mode: 0o755,
  });
  await Deno.chmod(tmp, 0o755);
  await Deno.rename(tmp, target);
  return target;
}

function homeDir(): string {
  const home = Deno.env.get("HOME");
  if (!home) throw new Error("HOME is not set: give --root DIR");
  return home;
}

function optionValue(flag: string): string | undefined {
  const at = Deno.args.indexOf(flag);
  if (at < 0) return undefined;
  const value = Deno.args[at + 1];
  if (!value || value.startsWith("--")) {
    console.error(`error: ${flag} needs a directory`);
    Deno.exit(2);
  }
  return value;
}

if (import.meta.main) {
  const known = new Set(["--out", "--install", "--root"]);
  const unknown = Deno.args.find((a, i) =>
    a.startsWith("--") ? !known.has(a) : !["--out", "--root"].includes(Deno.args[i - 1])
  );
  if (unknown !== undefined) {
    console.error(
      `error: unknown argument '${unknown}' (usage: bundle.ts [--out DIR] [--install [--root DIR]])`,
    );
    Deno.exit(2);
  }
  const outDir = optionValue("--out");
  const root = optionValue("--root");
  try {
    const r = await buildBundle(outDir);
    console.log(
      `bundled tt into ${r.dir} (${r.files} files, ${Math.round(r.bytes / 1024)} KB); ` +
        `run it with: deno run ${BUNDLE_COMMAND_FLAGS.join(" ")} ${r.main}`,
    );
    if (Deno.args.includes("--install")) {
      const shim = await installBundle(r.main, root);
      console.log(`installed ${shim} (runs the bundle; put its folder on your PATH)`);
    }
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
}
