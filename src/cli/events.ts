/**
 * Event commands: history, events (with --follow). Parsing and printing only; the reading is
 * in src/service/event_history.ts.
 *
 * `tt events` shows the MOST RECENT N events; tinytown shows the oldest N (XRANGE from 0-0)
 * and, when following, reprints the last event on every poll. tt differs on purpose.
 */
import { type Command, InvalidArgumentError } from "commander";
import { eventIcon } from "../model/event.ts";
import {
  clockTime,
  cutTo,
  type EventEntry,
  eventJson,
  eventSource,
  followEvents,
  formatEventLine,
  type HistoryEntry,
  oneLine,
  readHistory,
  recentEvents,
} from "../service/event_history.ts";
import { withTown } from "./context.ts";
import { printable, report, writeOut } from "./output.ts";

export function registerEventsCommands(program: Command): void {
  program
    .command("history")
    .description("recent town events, oldest first")
    .option("-n, --limit <n>", "how many of the newest events to read", count(1), 30)
    .option("-a, --agent <name>", "only events of the agent(s) with this name")
    .option("--json", "print the events as JSON")
    .action(async (opts: HistoryOptions, cmd: Command) => {
      await withTown(cmd, async (_town, store) => {
        const h = await readHistory(store, { limit: opts.limit, agent: opts.agent });
        const data = { total: h.total, events: h.entries.map(historyJson) };
        report(opts.json, data, () => {
          if (h.total === 0) return ["No events recorded yet."];
          return [`Recent History (${h.total} events):`, "", ...h.entries.map(historyLine)];
        });
      }, { readOnly: true });
    });

  program
    .command("events")
    .description("the newest events of the town, an agent or a mission; --follow tails them")
    .option("-c, --count <n>", "how many of the newest events to show", count(0), 20)
    .option("--agent <agent>", "events of this agent (its own stream)")
    .option("--mission <id>", "events of this mission (its own stream)")
    .option("-f, --follow", "keep printing new events until interrupted (Ctrl-C)")
    .option("--json", "one JSON object per event and line (JSON Lines)")
    .action(async (opts: EventsOptions, cmd: Command) => {
      // Installed first, so a signal at any point ends the command cleanly with exit 0.
      const stop = new AbortController();
      const onSignal = () => stop.abort(new Error("interrupted"));
      const signals: Deno.Signal[] = opts.follow ? ["SIGINT", "SIGTERM"] : [];
      for (const s of signals) Deno.addSignalListener(s, onSignal);
      try {
        await withTown(cmd, async (_town, store) => {
          const source = await eventSource(store, { agent: opts.agent, mission: opts.mission });
          const { entries, cursor } = await recentEvents(store, source.key, opts.count);
          const print = (e: EventEntry) =>
            writeOut(
              `${opts.json ? JSON.stringify(eventJson(e)) : printable(formatEventLine(e.event))}\n`,
            );
          entries.forEach(print);
          if (!opts.follow) {
            if (entries.length === 0 && !opts.json) {
              writeOut("No events found. Events are emitted on state transitions.\n");
            }
            return;
          }
          await followEvents(store, source.key, cursor, stop.signal, print);
        }, { readOnly: true });
      } finally {
        for (const s of signals) Deno.removeSignalListener(s, onSignal);
      }
    });
}

interface HistoryOptions {
  limit: number;
  agent?: string;
  json?: boolean;
}

interface EventsOptions {
  count: number;
  agent?: string;
  mission?: string;
  follow?: boolean;
  json?: boolean;
}

/** An integer option of at least `min` (bad values are usage errors, exit 2). */
function count(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected a whole number >= ${min}`);
    }
    return n;
  };
}

function historyLine(h: HistoryEntry): string {
  const e = h.event;
  return `  ${clockTime(e.timestamp)} ${eventIcon(e.eventType)} *${h.who}* ${
    cutTo(oneLine(e.message), 80)
  }`;
}

function historyJson(h: HistoryEntry) {
  return { ...eventJson(h), who: h.who };
}
