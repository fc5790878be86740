/**
 * `tt logs <agent>`: an agent's round logs (what its CLI printed) and its loop log. Parsing
 * and printing only; the files are found and followed in src/agent/.
 */
import { lazyImport } from "../lazy.ts";
import { type Command, Option } from "commander";
import { TtError } from "../errors.ts";
import type { RoundFiles } from "../agent/agent_files.ts";
import type { FollowOptions, LogChunk } from "../service/agent_logs.ts";
import type { AgentPaths } from "../town/paths.ts";
import { withTown } from "./context.ts";
import { currentSink, printable, printJson, say, writeErr, writeOutBytes } from "./output.ts";
import { jsonOption, wholeNumber } from "./options.ts";

interface LogsOptions {
  round?: number;
  loop?: boolean;
  all?: boolean;
  list?: boolean;
  lines?: number;
  follow?: boolean;
  json?: boolean;
}

const files = () =>
  lazyImport<typeof import("../agent/agent_files.ts")>("src/agent/agent_files.ts");
const follow = () =>
  lazyImport<typeof import("../service/agent_logs.ts")>("src/service/agent_logs.ts");

export function registerLogsCommands(program: Command): void {
  program
    .command("logs")
    .description("print an agent's round logs (latest by default) or its loop log")
    .argument("<agent>", "agent name, nickname or id")
    .addOption(
      new Option("-r, --round <n>", "this round's log (numbers go on across restarts)")
        .argParser(wholeNumber("--round", 1)).conflicts(["loop", "all"]),
    )
    .addOption(new Option("--loop", "the loop log (every run of the agent)").conflicts("all"))
    .option("--all", "every round log, then the loop log, each under a header")
    .addOption(
      new Option("--list", "list the agent's log files instead").conflicts(["follow", "lines"]),
    )
    .addOption(
      new Option("-n, --lines <n>", "only the last n lines of each file")
        .argParser(wholeNumber("--lines", 1)),
    )
    .addOption(
      new Option(
        "-f, --follow",
        "keep printing what is added (and new rounds' logs) until Ctrl-C",
      ).conflicts("json"),
    )
    .addOption(jsonOption("the list of log files"))
    .addHelpText(
      "after",
      `
Files are in .tt/agents/<agent>/: loop.log, round-<n>.log (the CLI's output) and
round-<n>.prompt. Round numbers go on across restarts, so no run's logs are overwritten.
On a terminal, control characters are shown as U+FFFD; piped, the bytes are copied as they are.`,
    )
    .action(async (ref: string, opts: LogsOptions, cmd: Command) => {
      const found = await withTown(cmd, async (town, store) => {
        const { findAgentFiles, listRounds } = await files();
        const f = await findAgentFiles(town, store, ref);
        return { ...f, rounds: await listRounds(f.paths) };
      });
      const { paths, rounds } = found;
      const name = paths.name;
      if (opts.json || opts.list) {
        const index = await logIndex(paths, rounds);
        if (opts.json) return printJson(index);
        return say(...indexLines(index));
      }
      const out = new Output();
      // Several files can be printed, or followed: each then comes under a header.
      const headers = opts.all === true ||
        (opts.follow === true && !opts.loop && opts.round === undefined);
      const { readLog, sizeOf } = await follow();
      /** Prints a file; returns its size when read, where following it goes on. */
      const print = async (file: string) => {
        const read = await readLog(file, opts.lines);
        if (read === undefined) return 0;
        out.write({ file, bytes: read.bytes }, headers);
        return read.size;
      };
      const lastRound = rounds.findLast((r) => r.log !== undefined);
      const follows: Omit<FollowOptions, "signal"> = {};
      if (opts.loop) {
        follows.loop = { offset: await print(paths.loopLog) };
        if (follows.loop.offset === 0 && !opts.follow) writeErr(`${name} has no loop log yet\n`);
      } else if (opts.round !== undefined) {
        const r = rounds.find((x) => x.round === opts.round && x.log !== undefined);
        if (!r) throw new TtError(`${name} has no log of round ${opts.round} (${have(rounds)})`);
        follows.onlyRound = { round: r.round, offset: await print(r.log!) };
      } else if (opts.all) {
        let offset = 0;
        for (const r of rounds) if (r.log) offset = await print(r.log);
        follows.rounds = { from: lastRound?.round ?? 0, offset };
        follows.loop = { offset: await print(paths.loopLog) };
      } else {
        // The loop log is followed from now; the latest round's log is printed whole.
        follows.loop = { offset: await sizeOf(paths.loopLog) };
        follows.rounds = {
          from: lastRound?.round ?? 0,
          offset: lastRound ? await print(lastRound.log!) : 0,
        };
        if (!lastRound && !opts.follow) {
          writeErr(`${name} has run no round yet; its loop log: tt logs ${name} --loop\n`);
        }
      }
      if (opts.follow) await followUntilSignal(paths, out, headers, follows);
    });
}

async function followUntilSignal(
  paths: AgentPaths,
  out: Output,
  headers: boolean,
  follows: Omit<FollowOptions, "signal">,
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    const { followLogs } = await follow();
    for await (const chunk of followLogs(paths, { ...follows, signal: stop.signal })) {
      out.write(chunk, headers);
    }
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

function have(rounds: RoundFiles[]): string {
  const logs = rounds.filter((r) => r.log !== undefined).map((r) => r.round);
  if (logs.length === 0) return "it has run no round yet";
  return logs.length === 1 ? `it has round ${logs[0]}` : `it has rounds ${compact(logs)}`;
}

/** `[1, 2, 3, 5]` -> `1-3, 5`. */
function compact(ns: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ns.length;) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === ns[j] + 1) j++;
    parts.push(j === i ? String(ns[i]) : `${ns[i]}-${ns[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

/**
 * Writes log bytes: as they are when piped, with control characters replaced on a terminal
 * (an agent's output could otherwise rewrite it). With headers, `==> file <==` comes before
 * the bytes whenever they are from another file than the last.
 */
class Output {
  #last: string | undefined;
  #endsLine = true;
  readonly #terminal = currentSink().terminal;
  readonly #decoders = new Map<string, TextDecoder>();

  write(chunk: LogChunk, headers: boolean): void {
    if (headers && chunk.file !== this.#last) {
      const gap = this.#last === undefined ? "" : this.#endsLine ? "\n" : "\n\n";
      this.#bytes(new TextEncoder().encode(`${gap}==> ${chunk.file} <==\n`));
    }
    this.#last = chunk.file;
    if (chunk.bytes.length === 0) return;
    if (this.#terminal) {
      let d = this.#decoders.get(chunk.file);
      if (!d) this.#decoders.set(chunk.file, d = new TextDecoder());
      this.#bytes(new TextEncoder().encode(printable(d.decode(chunk.bytes, { stream: true }))));
    } else this.#bytes(chunk.bytes);
    this.#endsLine = chunk.bytes[chunk.bytes.length - 1] === 0x0a;
  }

  #bytes(b: Uint8Array): void {
    writeOutBytes(b);
  }
}

interface LogIndex {
  agent: string;
  dir: string;
  loop_log: { path: string; bytes: number; modified_at: string | null } | null;
  rounds: {
    round: number;
    log: string | null;
    prompt: string | null;
    log_bytes: number | null;
    modified_at: string | null;
  }[];
}

async function logIndex(paths: AgentPaths, rounds: RoundFiles[]): Promise<LogIndex> {
  const stat = (file: string) => Deno.stat(file).catch(() => undefined);
  const loop = await stat(paths.loopLog);
  return {
    agent: paths.name,
    dir: paths.dir,
    loop_log: loop
      ? { path: paths.loopLog, bytes: loop.size, modified_at: loop.mtime?.toISOString() ?? null }
      : null,
    rounds: await Promise.all(rounds.map(async (r) => {
      const s = r.log ? await stat(r.log) : undefined;
      return {
        round: r.round,
        log: r.log ?? null,
        prompt: r.prompt ?? null,
        log_bytes: s?.size ?? null,
        modified_at: s?.mtime?.toISOString() ?? null,
      };
    })),
  };
}

function indexLines(index: LogIndex): string[] {
  const size = (n: number | null) =>
    n === null ? "-" : n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
  const out = [`Logs of ${index.agent} (${index.dir}):`];
  out.push(
    index.loop_log
      ? `  loop log  ${size(index.loop_log.bytes).padStart(10)}  ${index.loop_log.modified_at}`
      : "  loop log  (none yet)",
  );
  for (const r of index.rounds) {
    out.push(
      `  round ${String(r.round).padEnd(4)}${size(r.log_bytes).padStart(10)}  ${
        r.modified_at ?? "(prompt only)"
      }`,
    );
  }
  if (index.rounds.length === 0) out.push("  no rounds yet");
  return out;
}
