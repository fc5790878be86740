/**
 * The password of a managed redis-server on TCP when none is configured. A TCP port on
 * loopback is open to every local user, who could otherwise inject tasks into agents that run
 * with every permission; so tt generates a password once, keeps it in a 0600 file in the
 * server's dir, and every tt process (commands, agent loops, the conductor) reads it there.
 */
import { TtError } from "../errors.ts";
import { dirname, join } from "../path.ts";
import { mkdirPrivate, writePrivateFile } from "../private_files.ts";
import { generateRedisPassword } from "./global_dir.ts";

export const PASSWORD_FILE_NAME = "redis.password";

/** The password file of the server whose dir (its `--dir`) is `serverDir`. */
export function passwordFile(serverDir: string): string {
  return join(serverDir, PASSWORD_FILE_NAME);
}

/** The password in `file`; undefined when there is no such file. */
export function readPasswordFile(file: string): string | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw new TtError(`cannot read the Redis password file ${file}: ${(err as Error).message}`);
  }
  const password = text.trim();
  if (password === "") {
    throw new TtError(`the Redis password file ${file} is empty: delete it to get a new password`);
  }
  return password;
}

/**
 * The password in `file`, generating it first when there is none. Two processes racing here
 * agree: the file appears whole and at most once (written aside, then hard-linked in).
 */
export async function ensurePasswordFile(file: string): Promise<string> {
  const existing = readPasswordFile(file);
  if (existing !== undefined) return existing;
  await mkdirPrivate(dirname(file));
  const password = generateRedisPassword();
  const tmp = `${file}.tmp-${crypto.randomUUID()}`;
  try {
    await writePrivateFile(tmp, `${password}\n`);
    await Deno.link(tmp, file);
    return password;
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) {
      throw new TtError(`cannot write the Redis password file ${file}: ${(err as Error).message}`);
    }
    return readPasswordFile(file)!;
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}
