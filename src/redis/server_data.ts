/**
 * What a managed redis-server will load when it starts: its append-only file, its RDB
 * snapshot, or nothing. Told to the user when tt restarts a server that had crashed, since
 * that says what may have been lost.
 */
import type { ManagedServer } from "./server.ts";

export type SavedData =
  | { kind: "aof" }
  | { kind: "rdb"; savedAt: Date }
  | { kind: "none" };

/** Redis 7 keeps the AOF in this folder of its dir, listed by a manifest. */
const AOF_DIR = "appendonlydir";
const RDB_FILE = "dump.rdb";

export async function savedData(server: ManagedServer): Promise<SavedData> {
  if (server.appendOnly) {
    // A single-file AOF (Redis before 7) is upgraded by Redis 7 on load.
    for (const path of [`${AOF_DIR}/${server.aofName}.manifest`, server.aofName]) {
      if (await isFile(`${server.dir}/${path}`)) return { kind: "aof" };
    }
  }
  const rdb = await Deno.stat(`${server.dir}/${RDB_FILE}`).catch(() => undefined);
  if (rdb?.isFile) return { kind: "rdb", savedAt: rdb.mtime ?? new Date(0) };
  return { kind: "none" };
}

/** What a crash cost, given what the restarted server loaded; for a warning line. */
export function describeLoss(loaded: SavedData): string {
  switch (loaded.kind) {
    case "aof":
      return "restarted it from its append-only file; writes of the last second or so before " +
        "it stopped may be lost";
    case "rdb":
      return `restarted it from the RDB snapshot of ${loaded.savedAt.toISOString()}; writes ` +
        "after that may be lost";
    case "none":
      return "no saved data was found, so it started empty: everything the town held is lost";
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
