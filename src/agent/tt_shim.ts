/**
 * How to run this same tt again: from a child process (`ttArgv`) and from inside an agent CLI,
 * which finds `tt` on its PATH (`ensureTtShim` puts one in the town's `.tt/bin`).
 */
import { basename, fromFileUrl as fileURLToPath, join } from "../path.ts";
import { mkdirPrivate } from "../private_files.ts";
import { bundledMainPath, denoRunFlags } from "../bundled.ts";

/** True in a `deno compile`d binary, where the executable is tt itself rather than deno. */
export function isCompiledBinary(): boolean {
  const name = basename(Deno.execPath()).toLowerCase();
  return name !== "deno" && name !== "deno.exe";
}

/**
 * The absolute path of this checkout's main.ts, or of the bundle when running bundled
 * (meaningful under `deno run` only).
 */
export function mainModulePath(): string {
  return bundledMainPath() ?? fileURLToPath(new URL("../../main.ts", import.meta.url));
}

/** The argv that runs this same tt as an agent loop; append tt's own arguments. */
export function ttArgv(): string[] {
  if (isCompiledBinary()) return [Deno.execPath()];
  return [Deno.execPath(), "run", ...denoRunFlags("loop"), mainModulePath()];
}

/** Quotes one word for a POSIX shell: '…' with each ' written as '\''. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `word` as a shell reads it back: unchanged when it holds only safe characters, else quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : shellQuote(word);
}

/** The sh script that stands in for tt under `deno run` (`flags`: see denoRunFlags). */
export function ttShimScript(
  denoPath: string,
  mainPath: string,
  flags: readonly string[] = ["--allow-all", "--quiet"],
): string {
  return `#!/bin/sh\nexec ${shellQuote(denoPath)} run ${flags.join(" ")} ${
    shellQuote(mainPath)
  } "$@"\n`;
}

/** What `<binDir>/tt` stands for: a compiled tt binary, or deno running a main.ts. */
export type ShimTarget =
  | { kind: "binary"; execPath: string }
  | { kind: "script"; denoPath: string; mainPath: string; flags?: readonly string[] };

/** The shim target for the tt that is running now. */
export function currentShimTarget(): ShimTarget {
  if (isCompiledBinary()) return { kind: "binary", execPath: Deno.execPath() };
  return {
    kind: "script",
    denoPath: Deno.execPath(),
    mainPath: mainModulePath(),
    flags: denoRunFlags("command"),
  };
}

/**
 * Makes `<binDir>/tt` run this same tt and returns `binDir`. A compiled tt is linked (copied
 * if linking fails); under `deno run` a small sh script is written. The file is replaced only
 * when it differs, through a temp file and a rename, so concurrent spawns never see half a
 * file.
 */
export async function ensureTtShim(
  binDir: string,
  target: ShimTarget = currentShimTarget(),
): Promise<string> {
  await mkdirPrivate(binDir);
  const shim = join(binDir, "tt");
  if (target.kind === "binary") await ensureBinaryLink(shim, target.execPath);
  else await ensureScript(shim, ttShimScript(target.denoPath, target.mainPath, target.flags));
  return binDir;
}

async function ensureScript(target: string, content: string): Promise<void> {
  if (await isCurrentScript(target, content)) return;
  await replaceAtomically(target, async (tmp) => {
    await Deno.writeTextFile(tmp, content, { mode: 0o700 });
    await Deno.chmod(tmp, 0o700); // the umask may have trimmed the mode
  });
}

async function isCurrentScript(target: string, content: string): Promise<boolean> {
  try {
    const info = await Deno.lstat(target);
    if (!info.isFile || info.mode === null || (info.mode & 0o111) === 0) return false;
    return (await Deno.readTextFile(target)) === content;
  } catch {
    return false;
  }
}

async function ensureBinaryLink(target: string, exe: string): Promise<void> {
  if (await isLinkTo(target, exe) || await isCopyOf(target, exe)) return;
  try {
    await replaceAtomically(target, (tmp) => Deno.symlink(exe, tmp));
  } catch {
    await replaceAtomically(target, async (tmp) => {
      await Deno.copyFile(exe, tmp);
      await Deno.chmod(tmp, 0o700);
    });
  }
}

async function isLinkTo(target: string, exe: string): Promise<boolean> {
  try {
    return (await Deno.readLink(target)) === exe;
  } catch {
    return false;
  }
}

/** A copy made earlier from the same executable (reading a whole binary to compare is slow). */
async function isCopyOf(target: string, exe: string): Promise<boolean> {
  try {
    const [copy, orig] = await Promise.all([Deno.lstat(target), Deno.stat(exe)]);
    return copy.isFile && copy.size === orig.size && (copy.mtime?.getTime() ?? 0) >=
        (orig.mtime?.getTime() ?? Infinity);
  } catch {
    return false;
  }
}

async function replaceAtomically(
  target: string,
  create: (tmp: string) => Promise<void>,
): Promise<void> {
  const tmp = `${target}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await create(tmp);
    await Deno.rename(tmp, target);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}
