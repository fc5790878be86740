/**
 * Reading an agent's logs for `tt logs`: whole files or their last lines, and following them
 * (`-f`) as they grow — the loop log, plus each new round's log as it appears — until the
 * caller's signal aborts. Files are polled: it works the same on every file system, and an
 * agent writes at human speed.
 */
import { sleep } from "../sleep.ts";
import type { AgentPaths } from "../town/paths.ts";
import { listRounds } from "../agent/agent_files.ts";

/** New bytes of one file. */
export interface LogChunk {
  file: string;
  bytes: Uint8Array;
}

/**
 * The whole file, or its last `lines` lines, with the file's size when read (where following
 * it goes on); undefined when it does not exist.
 */
export async function readLog(
  file: string,
  lines?: number,
): Promise<{ bytes: Uint8Array; size: number } | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  return { bytes: lines === undefined ? bytes : lastLines(bytes, lines), size: bytes.length };
}

/** The last `n` lines of `bytes` (a final line without a newline counts as one). */
export function lastLines(bytes: Uint8Array, n: number): Uint8Array {
  if (n <= 0) return bytes.subarray(bytes.length);
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end--;
  let start = end;
  for (let seen = 0; start > 0; start--) {
    if (bytes[start - 1] === 0x0a && ++seen === n) break;
  }
  return bytes.subarray(start);
}

export interface FollowOptions {
  /** Follow the loop log from this offset. */
  loop?: { offset: number };
  /** Follow round logs: this one from `offset`, then every later round's from its start. */
  rounds?: { from: number; offset: number };
  /** Only this round (from `offset`); no later ones. */
  onlyRound?: { round: number; offset: number };
  signal: AbortSignal;
  pollMs?: number;
}

const READ_MAX = 1 << 20;

/** Yields what is appended to the followed files, in the order it is seen, until aborted. */
export async function* followLogs(p: AgentPaths, opts: FollowOptions): AsyncGenerator<LogChunk> {
  const offsets = new Map<string, number>();
  if (opts.loop) offsets.set(p.loopLog, opts.loop.offset);
  let latest = opts.rounds?.from ?? 0;
  if (opts.rounds && latest > 0) offsets.set(p.roundLog(latest), opts.rounds.offset);
  if (opts.onlyRound) offsets.set(p.roundLog(opts.onlyRound.round), opts.onlyRound.offset);
  while (!opts.signal.aborted) {
    if (opts.rounds) {
      for (const r of await listRounds(p)) {
        if (r.round <= latest || r.log === undefined) continue;
        // The round before is over once a later one starts: only the newest is watched.
        if (latest > 0) offsets.delete(p.roundLog(latest));
        latest = r.round;
        offsets.set(r.log, 0);
      }
    }
    for (const [file, offset] of offsets) {
      const grown = await readFrom(file, offset);
      if (grown === undefined) continue;
      offsets.set(file, grown.next);
      if (grown.bytes.length) yield { file, bytes: grown.bytes };
    }
    await sleep(opts.pollMs ?? 200, opts.signal);
  }
}

/** The size of `file` now (0 when it does not exist yet). */
export async function sizeOf(file: string): Promise<number> {
  try {
    return (await Deno.stat(file)).size;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 0;
    throw err;
  }
}

/** Bytes of `file` after `offset` (a file that shrank is read again from its start). */
async function readFrom(file: string, offset: number) {
  let f: Deno.FsFile;
  try {
    f = await Deno.open(file, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  try {
    const size = (await f.stat()).size;
    const from = size < offset ? 0 : offset;
    const want = Math.min(size - from, READ_MAX);
    const buf = new Uint8Array(want);
    await f.seek(from, Deno.SeekMode.Start);
    let got = 0;
    while (got < want) {
      const n = await f.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    return { bytes: buf.subarray(0, got), next: from + got };
  } finally {
    f.close();
  }
}
