/**
 * Planning and persistence: `tt plan`, `tt sync`, `tt save`, `tt restore`, `tt migrate`.
 * Parsing and printing only; the work is in src/service/.
 *
 * Where tt differs from tinytown: `plan --init` keeps an existing file unless --force; sync
 * maps entries to tasks (push twice = no duplicates) and pull really reads Redis; save and
 * restore write and read a JSON snapshot themselves instead of printing AOF advice.
 */
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { UsageError } from "../errors.ts";
import { shortId } from "../model/ids.ts";
import { truncateSummary } from "../model/message.ts";
import { initPlan, loadPlanFile, planEntryJson } from "../service/plan_file.ts";
import {
  migrate,
  migrationNeeded,
  type MigrationPlan,
  planMigration,
} from "../service/town_migrate.ts";
import {
  defaultStatePath,
  type RestoreResult,
  restoreTown,
  saveTown,
} from "../service/snapshot.ts";
import type { SyncItem } from "../service/plan_sync.ts";
import { pullPlan, type PullReport } from "../service/plan_sync_pull.ts";
import { pushPlan, type PushReport } from "../service/plan_sync_push.ts";
import { taskStateIcon } from "../model/task.ts";
import { globalOptions } from "./globals.ts";
import { withTown } from "./context.ts";
import { report } from "./output.ts";

interface Json {
  json?: boolean;
}

export function registerPlanCommands(program: Command): void {
  program
    .command("plan")
    .description("show the work plan in tasks.toml (--init writes a commented starter file)")
    .option("-i, --init", "write a starter tasks.toml")
    .option("-f, --force", "with --init, replace an existing tasks.toml")
    .option("--json", "print the plan as JSON")
    .action(async (opts: Json & { init?: boolean; force?: boolean }, cmd: Command) => {
      const root = resolve(globalOptions(cmd).town);
      if (opts.init) {
        const file = await initPlan(root, opts.force === true);
        return report(opts.json, { file, created: true }, () => [
          `Created ${file} - edit it to plan your work, then run 'tt sync push'`,
        ]);
      }
      const { file, plan } = await loadPlanFile(root);
      const data = {
        file,
        meta: { description: plan.description, default_agent: plan.defaultAgent ?? null },
        tasks: plan.tasks.map(planEntryJson),
      };
      report(opts.json, data, () => [
        `Tasks in plan (${file}):`,
        ...(plan.description ? [`  ${plan.description}`] : []),
        ...(plan.tasks.length ? [] : ["  (no tasks yet)"]),
        ...plan.tasks.map((t) =>
          `  ${taskStateIcon(t.status)} [${t.agent ?? "unassigned"}] ${t.id}` +
          ` - ${truncateSummary(t.description, 70)}`
        ),
      ]);
    });

  program
    .command("sync")
    .description("push tasks.toml to Redis (default), or pull Redis task state into it")
    .argument("[direction]", "push (file -> Redis) or pull (Redis -> file)", "push")
    .option("--json", "print what changed as JSON")
    .action(async (direction: string, opts: Json, cmd: Command) => {
      if (direction !== "push" && direction !== "pull") {
        throw new UsageError(`unknown sync direction '${direction}': use 'push' or 'pull'`);
      }
      await withTown(cmd, async (town, store) => {
        if (direction === "push") {
          const r = await pushPlan(store, town.root);
          return report(opts.json, pushJson(r), () => pushLines(r, town.name));
        }
        const r = await pullPlan(store, town.root);
        report(opts.json, pullJson(r), () => pullLines(r, town.name));
      });
    });

  program
    .command("save")
    .description("write the town's whole Redis state to a JSON file you can commit")
    .option("--file <path>", "where to write (default: tt-state.json in the town folder)")
    .option("--json", "print the result as JSON")
    .action(async (opts: Json & { file?: string }, cmd: Command) => {
      await withTown(cmd, async (town, store) => {
        const file = opts.file ? resolve(opts.file) : defaultStatePath(town.root);
        const r = await saveTown(store, town.name, file);
        report(opts.json, r, () => [
          `Saved town '${r.town}' to ${r.file}`,
          `  ${r.summary.keys} key(s): ${r.summary.agents} agent(s), ${r.summary.tasks} ` +
          `task(s), ${r.summary.messages} message(s), ${r.summary.backlog} in the backlog`,
          `To keep it: git add ${opts.file ?? "tt-state.json"} && git commit -m 'Save town state'`,
        ]);
      });
    });

  program
    .command("restore")
    .description("load a state file written by 'tt save' into the town")
    .option("--file <path>", "what to load (default: tt-state.json in the town folder)")
    .option("-f, --force", "replace the town's current data (and ignore running agents)")
    .option("--json", "print the result as JSON")
    .action(async (opts: Json & { file?: string; force?: boolean }, cmd: Command) => {
      await withTown(cmd, async (town, store) => {
        const file = opts.file ? resolve(opts.file) : defaultStatePath(town.root);
        const r = await restoreTown(store, town.name, file, opts.force === true);
        report(opts.json, restoreJson(r), () => [
          `Restored town '${r.town}' from ${r.file} (saved ${r.savedAt}` +
          `${r.savedFrom ? ` from town '${r.savedFrom}'` : ""})`,
          `  ${r.summary.keys} key(s): ${r.summary.agents} agent(s), ${r.summary.tasks} ` +
          `task(s), ${r.summary.messages} message(s), ${r.summary.backlog} in the backlog`,
          ...(r.replaced ? [`  Replaced ${r.replaced} existing key(s)`] : []),
          ...(r.activeAgents.length
            ? [
              `${r.activeAgents.length} agent(s) were saved while active and have no running ` +
              `loop (${r.activeAgents.join(", ")}): run 'tt recover', or 'tt restart <agent>'`,
            ]
            : []),
        ]);
      });
    });

  program
    .command("migrate")
    .description("move data written by older tinytown versions into this town's layout")
    .option("--dry-run", "show what would change, change nothing")
    .addOption(new Option("--force", "accepted for tinytown compatibility (never asks)").hideHelp())
    .addOption(new Option("--hash", "accepted for tinytown compatibility (always done)").hideHelp())
    .option("--json", "print the result as JSON")
    .action(async (opts: Json & { dryRun?: boolean }, cmd: Command) => {
      await withTown(cmd, async (town, store) => {
        if (opts.dryRun) {
          const p = await planMigration(store, town.name);
          return report(opts.json, migrationJson(p, true), () => migrationLines(p, true));
        }
        const r = await migrate(store, town.name);
        report(opts.json, { ...migrationJson(r, false), failed: r.failed }, () => [
          ...migrationLines(r, false),
          ...r.failed.map((f) => `warning: ${f.key}: ${f.reason}`),
        ]);
      });
    });
}

function restoreJson(r: RestoreResult) {
  return {
    file: r.file,
    town: r.town,
    saved_from: r.savedFrom ?? null,
    saved_at: r.savedAt,
    summary: r.summary,
    replaced: r.replaced,
    active_agents: r.activeAgents,
  };
}

function migrationJson(p: MigrationPlan, dryRun: boolean) {
  return {
    dry_run: dryRun,
    town: p.town,
    moves: p.moves,
    conversions: p.conversions,
    unindexed_agents: p.unindexedAgents,
    unindexed_tasks: p.unindexedTasks,
  };
}

function itemJson(i: SyncItem) {
  return { id: i.id, task_id: i.taskId, changes: i.changes };
}

function pushJson(r: PushReport) {
  return {
    file: r.file,
    created: r.created.map(itemJson),
    updated: r.updated.map(itemJson),
    unchanged: r.unchanged.map(itemJson),
    notes: r.notes,
    only_in_redis: r.onlyInRedis.map((t) => ({
      task_id: t.id,
      state: t.state,
      description: t.description,
    })),
  };
}

function itemLine(mark: string, i: SyncItem): string {
  return `  ${mark} ${i.id} (${shortId(i.taskId)})${
    i.changes.length ? `: ${i.changes.join(", ")}` : ""
  }`;
}

function pushLines(r: PushReport, town: string): string[] {
  const lines = [
    `Pushed ${r.file} to town '${town}': ${r.created.length} created, ${r.updated.length} ` +
    `updated, ${r.unchanged.length} unchanged`,
    ...r.created.map((i) => itemLine("+", i)),
    ...r.updated.map((i) => itemLine("~", i)),
    ...r.notes.map((n) => `  ! ${n}`),
  ];
  if (r.onlyInRedis.length) {
    lines.push(
      `${r.onlyInRedis.length} task(s) in Redis are not in the file (kept; 'tt sync pull' adds them):`,
      ...r.onlyInRedis.slice(0, 10).map((t) =>
        `  ? ${shortId(t.id)} ${t.state} - ${truncateSummary(t.description, 60)}`
      ),
      ...(r.onlyInRedis.length > 10 ? [`  ... and ${r.onlyInRedis.length - 10} more`] : []),
    );
  }
  return lines;
}

function pullJson(r: PullReport) {
  return {
    file: r.file,
    created_file: r.createdFile,
    rewritten: r.rewritten,
    updated: r.updated.map(itemJson),
    unchanged: r.unchanged.map(itemJson),
    added: r.added.map(itemJson),
    only_in_file: r.onlyInFile,
  };
}

function pullLines(r: PullReport, town: string): string[] {
  return [
    `Pulled town '${town}' into ${r.file}: ${r.updated.length} updated, ${r.added.length} ` +
    `added, ${r.unchanged.length} unchanged${r.createdFile ? " (new file)" : ""}`,
    ...r.updated.map((i) => itemLine("~", i)),
    ...r.added.map((i) => itemLine("+", i)),
    ...(r.onlyInFile.length
      ? [`Not in Redis yet (kept; 'tt sync push' creates them): ${r.onlyInFile.join(", ")}`]
      : []),
    ...(r.rewritten
      ? ["note: the file could not be edited in place and was rewritten; its comments are gone"]
      : []),
  ];
}

function migrationLines(p: MigrationPlan, dryRun: boolean): string[] {
  if (!migrationNeeded(p) && p.moves.length === 0) {
    return [`No migration needed for town '${p.town}': every key already uses tt's layout`];
  }
  const arrow = (action: string) =>
    action === "merge" ? "merged into" : action === "conflict" ? "kept, already exists:" : "→";
  const moved = p.moves.filter((m) => m.action !== "conflict").length;
  const indexed = p.unindexedAgents.length + p.unindexedTasks.length;
  const counts = `${moved} key(s) moved, ${p.conversions.length} record(s) converted, ` +
    `${indexed} record(s) indexed`;
  return [
    dryRun ? `Migration preview (dry run) for town '${p.town}':` : `Migrated town '${p.town}':`,
    ...p.moves.map((m) => `  ${m.from} ${arrow(m.action)} ${m.to}`),
    ...p.conversions.map((k) => `  ${k}: JSON string → hash`),
    ...(indexed
      ? [
        `  index ${p.unindexedAgents.length} agent(s) and ${p.unindexedTasks.length} task(s) ` +
        "so tt lists them",
      ]
      : []),
    dryRun ? `Would be: ${counts}. Nothing changed.` : `Done: ${counts}.`,
  ];
}
