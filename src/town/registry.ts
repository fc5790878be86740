/** The town registry `towns.toml` in the global config directory: `[[towns]]` path + name. */
import { dirname, join, resolve } from "../path.ts";
import { ConfigError } from "../errors.ts";
import { type Env, processEnv } from "./env.ts";
import { globalConfigDir } from "./global_dir.ts";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../private_files.ts";
import {
  isTable,
  keyError,
  readString,
  readTextIfExists,
  type TomlSource,
  type TomlTable,
  writeTextAtomic,
} from "./toml_file.ts";
import { parseToml, stringifyToml } from "./toml_text.ts";

export const REGISTRY_FILE_NAME = "towns.toml";

export interface RegisteredTown {
  /** Absolute, canonical town directory. */
  path: string;
  name: string;
}

export function registryPath(env: Env = processEnv): string {
  return join(globalConfigDir(env), REGISTRY_FILE_NAME);
}

interface Registry {
  towns: RegisteredTown[];
  raw: TomlTable;
}

function parseRegistry(text: string, file: string): Registry {
  const src: TomlSource = { file, text };
  const raw = parseToml(src);
  const list = raw["towns"];
  if (list === undefined) return { towns: [], raw };
  if (!Array.isArray(list)) {
    throw keyError(src, ["towns"], "must be an array of [[towns]] tables");
  }
  const towns = list.map((entry, i): RegisteredTown => {
    if (!isTable(entry)) throw keyError(src, ["towns"], `entry ${i + 1} must be a table`);
    const path = readString(src, entry, ["towns", "path"]);
    const name = readString(src, entry, ["towns", "name"]);
    if (path === undefined || name === undefined) {
      throw new ConfigError(`${file}: [[towns]] entry ${i + 1} needs both 'path' and 'name'`);
    }
    return { path, name };
  });
  return { towns, raw };
}

async function readRegistry(env: Env): Promise<Registry> {
  const file = registryPath(env);
  const text = await readTextIfExists(file);
  return text === undefined ? { towns: [], raw: {} } : parseRegistry(text, file);
}

/** Registered towns in file order; a missing file means none. */
export async function listRegisteredTowns(env: Env = processEnv): Promise<RegisteredTown[]> {
  return (await readRegistry(env)).towns;
}

async function canonical(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Records a town: renames the entry with the same (canonical) path, else appends one. Unlike
 * the reference, an unreadable registry is an error rather than silently overwritten, so a
 * hand-edit typo cannot wipe the list.
 */
export async function registerTown(
  path: string,
  name: string,
  env: Env = processEnv,
): Promise<RegisteredTown> {
  const entry: RegisteredTown = { path: await canonical(path), name };
  await withRegistryLock(env, async () => {
    const registry = await readRegistry(env);
    const existing = registry.towns.find((t) => t.path === entry.path);
    if (existing) existing.name = name;
    else registry.towns.push(entry);
    const doc = {
      ...registry.raw,
      towns: registry.towns.map((t) => ({ path: t.path, name: t.name })),
    };
    await writeTextAtomic(registryPath(env), stringifyToml(doc), { private: true });
  });
  return entry;
}

/**
 * Runs a read-change-write of the registry holding an exclusive lock on `towns.toml.lock`, so
 * parallel `tt init` cannot drop each other's entries. The lock is on a file of its own that
 * stays: `towns.toml` itself is replaced by a rename, and a lock on the replaced file would
 * guard nothing. The kernel releases it when the process dies.
 */
async function withRegistryLock<T>(env: Env, fn: () => Promise<T>): Promise<T> {
  const file = `${registryPath(env)}.lock`;
  let lock: Deno.FsFile;
  try {
    await Deno.mkdir(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    lock = await Deno.open(file, { create: true, write: true, mode: PRIVATE_FILE_MODE });
  } catch (err) {
    throw new ConfigError(`cannot lock ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    await lock.lock(true);
    return await fn();
  } finally {
    lock.close();
  }
}
