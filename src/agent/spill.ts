/**
 * Message texts too long for a round's prompt, written where the prompt says they are: one
 * file per text in a folder only the owner can read (texts may hold anything a sender wrote),
 * removed again once the round has ended.
 */
import { mkdirPrivate, PRIVATE_FILE_MODE } from "../private_files.ts";
import type { SpilledText } from "./prompt.ts";

/**
 * Writes each text to its path (0600) in `dir` (0700). Whatever an earlier round left there
 * (a loop killed mid-round does not clean up) is removed first.
 */
export async function writeSpilled(dir: string, texts: readonly SpilledText[]): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  if (texts.length === 0) return;
  await mkdirPrivate(dir);
  // A message delivered twice (duplicates are possible, losses are not) has one file.
  const written = new Set<string>();
  for (const t of texts) {
    if (written.has(t.path)) continue;
    written.add(t.path);
    await Deno.writeTextFile(t.path, t.text, { createNew: true, mode: PRIVATE_FILE_MODE });
  }
}

/** Removes the round's files (best effort: a file that is gone is fine). */
export async function removeSpilled(texts: readonly SpilledText[]): Promise<void> {
  for (const t of texts) await Deno.remove(t.path).catch(() => {});
}
