/** File-system helpers the tests share. */

/** True when something (a file, folder, socket or link, even a dangling one) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` with a fresh temp folder, removed afterwards whatever happened. */
export async function withTempDir(
  fn: (dir: string) => Promise<void>,
  prefix = "tt-test-",
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The first `name` file in this process's PATH; throws when there is none. */
export function findOnPath(name: string): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch {
      // not here
    }
  }
  throw new Error(`${name} is not on PATH`);
}
