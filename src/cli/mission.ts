/**
 * `tt mission start|status|list|resume|stop|note|dispatch|delete`: parsing and printing over
 * src/mission/service.ts. Unlike tinytown, every error exits non-zero, mission ids may be
 * shortened to 4+ characters, and status/list print JSON with --json.
 */
import { type Command, InvalidArgumentError } from "commander";
import { describeError } from "../errors.ts";
import { missionConfigFrom } from "../mission/config.ts";
import type { TickResult } from "../mission/dispatcher.ts";
import * as missions from "../mission/service.ts";
import { objectiveText } from "../model/mission.ts";
import { openStore, type Store } from "../store/store.ts";
import { openTown, type Town } from "../town/town.ts";
import { globalOptions } from "./globals.ts";
import { withTown } from "./context.ts";
import { detailLines, statusJson, summaryLines } from "./mission_view.ts";
import { report, say, setExitCode, writeErr } from "./output.ts";

interface Json {
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function whole(name: string, min: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
      throw new InvalidArgumentError(`${name} must be a whole number >= ${min}`);
    }
    return Number(value);
  };
}

function envOf(town: Town, store: Store): missions.MissionEnv {
  return { store, root: town.root, config: missionConfigFrom(town.config.raw) };
}

function withMissions<T>(
  cmd: Command,
  fn: (env: missions.MissionEnv) => Promise<T>,
  readOnly = false,
): Promise<T> {
  return withTown(cmd, (town, store) => fn(envOf(town, store)), { readOnly });
}

function tickLine(r: TickResult): string {
  return `Dispatcher tick: claimed ${r.claimed.length} mission(s), processed ${r.watchesProcessed} ` +
    `watch(es), promoted ${r.promoted}, assigned ${r.assigned}`;
}

function tickJson(r: TickResult) {
  return {
    claimed: r.claimed,
    skipped: r.skipped,
    watches_processed: r.watchesProcessed,
    watches_triggered: r.watchesTriggered,
    watches_completed: r.watchesCompleted,
    watches_failed: r.watchesFailed,
    promoted: r.promoted,
    assigned: r.assigned,
    missions_completed: r.missionsCompleted,
    errors: r.errors,
    failures: r.failures.map((f) => ({
      mission_id: f.missionId,
      watch_id: f.watchId,
      kind: f.kind,
      target: f.target,
      error: f.error,
    })),
  };
}

export function registerMissionCommands(program: Command): void {
  const mission = program
    .command("mission")
    .description(
      "missions: GitHub issues and docs as a DAG of work, routed to agents, gated on PRs",
    )
    .helpCommand(false);

  mission
    .command("start")
    .description("start a mission from issues and/or documents")
    .option(
      "-i, --issue <issue>",
      "issue: N (origin remote), owner/repo#N or URL; repeatable",
      collect,
    )
    .option("-d, --doc <path>", "design document path; repeatable", collect)
    .option(
      "--max-parallel <n>",
      "work items in flight at once (default 2)",
      whole("--max-parallel", 0),
    )
    .option("--no-reviewer", "complete implement/test items without a reviewer's approval")
    .option("--json", "print the result as JSON")
    .action(async (
      opts: Json & { issue?: string[]; doc?: string[]; maxParallel?: number; reviewer: boolean },
      cmd: Command,
    ) => {
      await withMissions(cmd, async (env) => {
        const r = await missions.start(env, {
          issues: opts.issue ?? [],
          docs: opts.doc ?? [],
          maxParallel: opts.maxParallel,
          noReviewer: opts.reviewer === false,
        });
        const m = r.mission;
        report(opts.json, {
          mission: m,
          work_items: r.items,
          scheduler_bootstrap: {
            total_promoted: r.pass.promoted,
            total_assigned: r.pass.assigned,
            missions_completed: r.pass.missionsCompleted,
          },
        }, () => [
          "Mission started!",
          `ID: ${m.id}`,
          `Objectives: ${m.objective_refs.length}`,
          `Work items: ${r.items.length}`,
          ...m.objective_refs.map((o) => `   ${objectiveText(o)}`),
          `Max parallel: ${m.policy.max_parallel_items}`,
          `Reviewer required: ${m.policy.reviewer_required}`,
          `Scheduler bootstrap: ${r.pass.promoted} promoted, ${r.pass.assigned} assigned`,
          `Follow it with: tt mission status --run ${m.id}`,
        ]);
      });
    });

  mission
    .command("status")
    .description("one mission in detail, or every active mission")
    .option("-r, --run <id>", "the mission (id or 4+ character prefix)")
    .option("--work", "list every work item")
    .option("--watch", "list every watch")
    .option("--dispatcher", "show the dispatcher's bookkeeping and pending notes")
    .option("--json", "print the status as JSON")
    .action(async (
      opts: Json & { run?: string; work?: boolean; watch?: boolean; dispatcher?: boolean },
      cmd: Command,
    ) => {
      await withMissions(cmd, async (env) => {
        if (opts.run !== undefined) {
          const s = await missions.status(env, opts.run);
          report(opts.json, statusJson(s), () => detailLines(s, opts));
          return;
        }
        const active = await missions.list(env);
        const detailed = opts.work || opts.watch || opts.dispatcher || opts.json;
        const all = detailed
          ? await Promise.all(active.map((m) => missions.status(env, m.id)))
          : [];
        report(opts.json, { missions: all.map(statusJson) }, () => {
          if (!active.length) {
            return ["No active missions", "Start one with: tt mission start --issue owner/repo#N"];
          }
          return [
            `Active Missions: ${active.length}`,
            ...(detailed
              ? all.flatMap((s) => ["", ...detailLines(s, opts)])
              : active.flatMap((m) => summaryLines(m))),
          ];
        });
      }, true);
    });

  mission
    .command("list")
    .description("active missions (or every mission with --all)")
    .option("--all", "every stored mission, any state")
    .option("--json", "print the missions as JSON")
    .action(async (opts: Json & { all?: boolean }, cmd: Command) => {
      await withMissions(cmd, async (env) => {
        const list = await missions.list(env, { all: opts.all });
        report(
          opts.json,
          { count: list.length, missions: list },
          () =>
            list.length
              ? [`Missions: ${list.length}`, ...list.flatMap((m) => summaryLines(m))]
              : ["No missions found"],
        );
      }, true);
    });

  mission
    .command("resume")
    .description("run a blocked mission again")
    .argument("<run-id>", "mission id (or 4+ character prefix)")
    .option("--json", "print the result as JSON")
    .action(async (ref: string, opts: Json, cmd: Command) => {
      await withMissions(cmd, async (env) => {
        const r = await missions.resume(env, ref);
        report(opts.json, {
          id: r.mission.id,
          state: r.mission.state,
          retired_help_requests: r.retired,
          note: r.note ?? null,
        }, () => [
          r.note ? `Mission ${r.mission.id} is ${r.note}` : `Mission ${r.mission.id} resumed`,
        ]);
      });
    });

  mission
    .command("stop")
    .description("stop a mission (blocked; --force marks it failed)")
    .argument("<run-id>", "mission id (or 4+ character prefix)")
    .option("--force", "mark the mission failed")
    .option("--json", "print the result as JSON")
    .action(async (ref: string, opts: Json & { force?: boolean }, cmd: Command) => {
      await withMissions(cmd, async (env) => {
        const r = await missions.stop(env, ref, { force: opts.force });
        report(opts.json, {
          id: r.mission.id,
          state: r.mission.state,
          retired_help_requests: r.retired,
        }, () => [`Mission ${r.mission.id} stopped`]);
      });
    });

  mission
    .command("note")
    .description("queue a note for the dispatcher: resume, pause, redirect ITEM to AGENT, ...")
    .argument("<run-id>", "mission id (or 4+ character prefix)")
    .argument("<message>", "the note")
    .option("--json", "print the result as JSON")
    .action(async (ref: string, message: string, opts: Json, cmd: Command) => {
      await withMissions(cmd, async (env) => {
        const r = await missions.note(env, ref, message);
        report(opts.json, {
          id: r.mission.id,
          control_id: r.control.id,
          retired_help_requests: r.retired,
        }, () => [`Queued dispatcher note for mission ${r.mission.id}`]);
      });
    });

  mission
    .command("delete")
    .description("delete a mission and all its keys (its open tasks are cancelled)")
    .argument("<run-id>", "mission id (or 4+ character prefix)")
    .option("--json", "print the result as JSON")
    .action(async (ref: string, opts: Json, cmd: Command) => {
      await withMissions(cmd, async (env) => {
        const r = await missions.deleteMission(env, ref);
        report(opts.json, {
          deleted: true,
          id: r.missionId,
          cancelled_tasks: r.cancelledTasks,
          retired_help_requests: r.retired,
        }, () => [
          `Mission ${r.missionId} deleted` +
          (r.cancelledTasks ? ` (${r.cancelledTasks} open task(s) cancelled)` : ""),
        ]);
      });
    });

  mission
    .command("dispatch")
    .description("run the dispatcher: notes, PR watches (via gh), scheduling, help requests")
    .option("-r, --run <id>", "only this mission")
    .option("--once", "one tick, then exit (1 when a watch check failed, each on stderr)")
    .option("--interval <secs>", "seconds between ticks (default 30)", whole("--interval", 1))
    .option(
      "--lock-ttl <secs>",
      "seconds a mission's lease lasts (default 90)",
      whole("--lock-ttl", 1),
    )
    .option("--json", "with --once: print the tick as JSON")
    .action(async (
      opts: Json & { run?: string; once?: boolean; interval?: number; lockTtl?: number },
      cmd: Command,
    ) => {
      if (opts.once) {
        await withMissions(cmd, async (env) => {
          env.config = {
            ...env.config!,
            ...(opts.lockTtl ? { lockTtlSecs: opts.lockTtl } : {}),
          };
          const r = await missions.dispatchTick(env, opts.run);
          report(opts.json, tickJson(r), () => [tickLine(r)]);
          // The tick itself went through (what it did is saved), but a check that failed is a
          // failure of this run: scripts and cron see it in the exit code.
          for (const f of r.failures) {
            writeErr(
              `error: mission ${f.missionId} watch ${f.kind} ${f.target}: ${f.error}\n`,
            );
          }
          if (r.failures.length) setExitCode(1);
        });
        return;
      }
      await runDispatcher(cmd, opts);
    });
}

/** The long-lived dispatcher: reconnects to Redis, backs off on failures, stops on a signal. */
async function runDispatcher(
  cmd: Command,
  opts: { run?: string; interval?: number; lockTtl?: number },
): Promise<void> {
  const town = await openTown(globalOptions(cmd).town, {
    reconnect: { maxDelayMs: 2000, maxWaitMs: 10_000 },
    clientName: "tt-mission-dispatch",
  });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    const env = envOf(town, openStore(town.redis, town.name));
    env.config = {
      ...env.config!,
      ...(opts.interval ? { tickIntervalSecs: opts.interval } : {}),
      ...(opts.lockTtl ? { lockTtlSecs: opts.lockTtl } : {}),
    };
    const runFilter = opts.run === undefined
      ? undefined
      : await missions.resolveMissionId(env, opts.run);
    const d = missions.dispatcher(env, { runFilter });
    say(
      "Mission dispatcher running",
      runFilter ? `Run filter: ${runFilter}` : "Scope: all active missions",
    );
    let lastError = "";
    await d.run(stop.signal, (r) => {
      if (r instanceof Error) {
        const line = describeError(r);
        if (line !== lastError) writeErr(`warning: dispatcher tick failed (will retry): ${line}\n`);
        lastError = line;
        return;
      }
      lastError = "";
      for (const e of r.errors) writeErr(`warning: ${e}\n`);
      if (r.claimed.length) say(tickLine(r));
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await town.close();
  }
}
