/**
 * Private files: what tt keeps under `.tt/` and in its global directory (prompts, logs, the
 * Redis data, passwords) holds task text or secrets, so only the owner may read it. Folders are
 * 0700 and files 0600, whatever the umask; everything tt writes there goes through these.
 */
import type { FileHandle } from "node:fs/promises";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Bits that let anyone but the owner in. */
const OTHERS = 0o077;

/** Creates `dir` (and missing parents) 0700; an existing `dir` is made 0700 too. */
export async function mkdirPrivate(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await Deno.chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * Writes a file readable by its owner only. An existing file is made private before the new
 * text goes in, so the text is never readable by others, not even for a moment.
 */
export async function writePrivateFile(file: string, data: string | Uint8Array): Promise<void> {
  await chmodIfExists(file, PRIVATE_FILE_MODE);
  if (typeof data === "string") {
    await Deno.writeTextFile(file, data, { mode: PRIVATE_FILE_MODE });
  } else {
    await Deno.writeFile(file, data, { mode: PRIVATE_FILE_MODE });
  }
}

/** Appends to a file readable by its owner only (an existing one is made private first). */
export async function privateAppend(file: string, text: string): Promise<void> {
  await chmodIfExists(file, PRIVATE_FILE_MODE);
  await Deno.writeTextFile(file, text, { append: true, create: true, mode: PRIVATE_FILE_MODE });
}

/**
 * Opens a file for a child process's output (`w` truncates, `a` appends), private like
 * `writePrivateFile`. A Node handle, since its `fd` is what `child_process.spawn` takes.
 */
export async function openPrivateFile(file: string, flags: "w" | "a"): Promise<FileHandle> {
  // node:fs costs start-up time; only the callers that spawn children pay for it.
  const { open } = await import("node:fs/promises");
  await chmodIfExists(file, PRIVATE_FILE_MODE);
  return await open(file, flags, PRIVATE_FILE_MODE);
}

/**
 * Runs `spawn` (which must start its process synchronously, like `Deno.Command.spawn`) with
 * umask 077, so the files the child creates (redis-server's RDB, AOF, log and pid file) are
 * private. The umask is the process's: it is put back before anything else can run.
 */
export function withPrivateUmask<T>(spawn: () => T): T {
  let old: number;
  try {
    old = Deno.umask(OTHERS);
  } catch (err) {
    // Run without --allow-sys (a library user's narrower permissions): the child's files are
    // then as its umask makes them, still out of reach behind the 0700 folders they are in.
    if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
      return spawn();
    }
    throw err;
  }
  try {
    return spawn();
  } finally {
    Deno.umask(old);
  }
}

/**
 * Makes `dir` and everything in it private when `dir` is not (a town made by an older tt).
 * Files keep their owner bits (a script stays executable); symlinks are left alone, since
 * chmod would change what they point to. Returns whether anything had to change.
 */
export async function tightenPrivateTree(dir: string): Promise<boolean> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(dir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
  if (!info.isDirectory || info.mode === null || (info.mode & OTHERS) === 0) return false;
  await tighten(dir, info);
  return true;
}

async function tighten(path: string, info: Deno.FileInfo): Promise<void> {
  if (info.isSymlink || info.mode === null) return;
  if ((info.mode & OTHERS) !== 0) await chmodIfExists(path, info.mode & 0o700);
  if (info.isDirectory) {
    for await (const entry of Deno.readDir(path)) {
      const child = `${path}/${entry.name}`;
      const childInfo = await Deno.lstat(child).catch(() => undefined);
      if (childInfo) await tighten(child, childInfo);
    }
  }
}

async function chmodIfExists(path: string, mode: number): Promise<void> {
  try {
    await Deno.chmod(path, mode);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}
