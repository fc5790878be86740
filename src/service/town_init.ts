/** `tt init`: create a town folder, its config and `.tt/`, and start its Redis. */
import { TtError } from "../errors.ts";
import { mkdirPrivate, PRIVATE_FILE_MODE } from "../private_files.ts";
import { checkServerBinary } from "../redis/server.ts";
import {
  CONFIG_FILE_NAME,
  newTownConfig,
  type TownConfig,
  townConfigToToml,
} from "../town/config.ts";
import { type Env, processEnv } from "../town/env.ts";
import { loadGlobalConfig } from "../town/global_config.ts";
import { deriveTownName, validateTownName } from "../town/name.ts";
import { townPaths } from "../town/paths.ts";
import { registerTown } from "../town/registry.ts";
import { writeTextExclusive } from "../town/toml_file.ts";
import { managedServer, openTown } from "../town/town.ts";

export interface InitOptions {
  name?: string;
  env?: Env;
}

export interface InitResult {
  name: string;
  root: string;
  configFile: string;
  config: TownConfig;
  gitignoreUpdated: boolean;
  redisUrl: string;
  managedRedis: boolean;
  startedServer: boolean;
  /** Problems that did not stop the init (e.g. the registry could not be written). */
  warnings: string[];
}

export async function initTown(dir: string, options: InitOptions = {}): Promise<InitResult> {
  const env = options.env ?? processEnv;
  const paths = townPaths(dir);
  const st = await Deno.stat(paths.root).catch(() => undefined);
  if (st && !st.isDirectory) throw new TtError(`cannot make a town at ${paths.root}: it is a file`);
  await refuseExistingConfig(paths.root, paths.configFile);
  let name: string;
  if (options.name !== undefined) {
    validateTownName(options.name);
    name = options.name;
  } else {
    name = await deriveTownName(await existingDir(paths.root));
  }
  const global = await loadGlobalConfig(env);
  const config = newTownConfig(name, global, env);

  // Check for a usable redis-server before writing anything, so a failed init leaves no
  // half-made town behind that a second `tt init` would refuse.
  const server = managedServer(config, townPaths(dir, config.redis), env);
  if (server) await checkServerBinary(server.binary);
  if (server?.socketPath) checkSocketPath(server.socketPath);

  for (const sub of [paths.ttDir, paths.agentsDir, paths.logsDir, paths.tasksDir]) {
    await mkdirPrivate(sub);
  }
  // The config is created exclusively: of two `tt init` racing here exactly one writes it and
  // goes on to start Redis and register the town; the other stops before changing anything.
  // A config that holds a Redis password (copied from the global one) is 0600.
  const mode = config.redis.password !== undefined ? { mode: PRIVATE_FILE_MODE } : {};
  if (!(await writeTextExclusive(paths.configFile, townConfigToToml(config), mode))) {
    await refuseExistingConfig(paths.root, paths.configFile);
    throw townExists(paths.root);
  }
  const gitignoreUpdated = await ensureGitignore(paths.root);

  let town;
  try {
    town = await openTown(paths.root, { env });
  } catch (err) {
    // An external Redis that cannot be reached (a wrong REDIS_URL) must not leave a config
    // behind that makes the retry fail with "already exists". A managed server may have been
    // started, so then the config stays and `tt start` / `tt stop` can still reach it.
    if (!server) await Deno.remove(paths.configFile).catch(() => {});
    throw err;
  }
  const result: InitResult = {
    name,
    root: paths.root,
    configFile: paths.configFile,
    config,
    gitignoreUpdated,
    redisUrl: town.redisUrl,
    managedRedis: town.server !== undefined,
    startedServer: town.startedServer,
    warnings: [...town.warnings],
  };
  await town.close();
  try {
    await registerTown(paths.root, name, env);
  } catch (err) {
    result.warnings.push(`could not record the town in the registry: ${(err as Error).message}`);
  }
  return result;
}

/** Unix socket paths are limited (108 bytes with the final NUL on Linux, 104 on macOS). */
function checkSocketPath(path: string): void {
  const max = Deno.build.os === "linux" ? 107 : 103;
  const bytes = new TextEncoder().encode(path).length;
  if (bytes > max) {
    throw new TtError(
      `the town's socket path ${path} is too long for a Unix socket (${bytes} bytes, at most ` +
        `${max}): create the town in a shorter path`,
    );
  }
}

const IGNORE_LINES = new Set([".tt", ".tt/", "/.tt", "/.tt/"]);

/** Adds `.tt` to the root's .gitignore once (creating the file if needed). */
export async function ensureGitignore(root: string): Promise<boolean> {
  const file = `${root}/.gitignore`;
  let text = "";
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (text.split(/\r?\n/).some((line) => IGNORE_LINES.has(line.trim()))) return false;
  const sep = text && !text.endsWith("\n") ? "\n" : "";
  await Deno.writeTextFile(file, `${text}${sep}\n# Tinytown runtime artifacts\n.tt\n`);
  return true;
}

/** Fails when something is at the config's path already, saying what it is. */
async function refuseExistingConfig(root: string, file: string): Promise<void> {
  const entry = await Deno.lstat(file).catch(() => undefined);
  if (!entry) return;
  const target = entry.isSymlink ? await Deno.stat(file).catch(() => undefined) : entry;
  if (target?.isFile) throw townExists(root);
  const what = !target
    ? "a broken symbolic link"
    : target.isDirectory
    ? "a directory"
    : "not a regular file";
  throw new TtError(
    `cannot make a town at ${root}: ${CONFIG_FILE_NAME} there is ${what}, not a town config; ` +
      `move it away first`,
  );
}

function townExists(root: string): TtError {
  return new TtError(
    `a town already exists at ${root} (${CONFIG_FILE_NAME} found); ` +
      `use 'tt start' to start it, or 'tt reset' to clear its data`,
  );
}

/** Creates the town folder if needed (`tt init -t newdir`) and returns it. */
async function existingDir(root: string): Promise<string> {
  try {
    await Deno.mkdir(root, { recursive: true });
  } catch (err) {
    const why = err instanceof Deno.errors.AlreadyExists
      ? "a file is in the way"
      : (err as Error).message.split(" (os error")[0];
    throw new TtError(`cannot create the town folder ${root}: ${why}`);
  }
  return root;
}
