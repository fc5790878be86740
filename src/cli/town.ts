/**
 * Town commands: init, start, stop, reset, towns, config. Parsing and printing only. Commander
 * is only a type here: the fast parser (src/cli/fast/) runs `start` without it.
 */
import { lazyImport } from "../lazy.ts";
import type { Command } from "commander";
import { TtError } from "../errors.ts";
import {
  getGlobalValue,
  GLOBAL_CONFIG_KEYS,
  globalConfigPath,
  isSecretConfigKey,
  loadGlobalConfig,
  saveGlobalConfig,
  SECRET_MASK,
  setGlobalValue,
} from "../town/global_config.ts";
import { PRESET_CLI_NAMES } from "../town/cli_presets.ts";
import { globalOptions } from "./globals.ts";
import { openCommandTown } from "./open_town.ts";
import { startAction } from "./town_start.ts";
import { report, say } from "./output.ts";
import { jsonHelp } from "./values.ts";

export function registerTownCommands(program: Command): void {
  program
    .command("init")
    .description("create a town here (tinytown.toml, .tt/) and start its Redis")
    .option("-n, --name <name>", "town name (default: <repo>-<branch>, or the folder name)")
    .option("--json", jsonHelp())
    .action(async (opts: { name?: string; json?: boolean }, cmd: Command) => {
      const { town } = globalOptions(cmd);
      const { initTown } = await lazyImport<typeof import("../service/town_init.ts")>(
        "src/service/town_init.ts",
      );
      const r = await initTown(town, { name: opts.name });
      // The config stays out of the JSON: in central mode it holds the Redis password.
      const data = {
        name: r.name,
        root: r.root,
        config_file: r.configFile,
        gitignore_updated: r.gitignoreUpdated,
        redis_url: r.redisUrl,
        managed_redis: r.managedRedis,
        started_server: r.startedServer,
        warnings: r.warnings,
      };
      report(opts.json, data, () => [
        `Initialized town '${r.name}' at ${r.root}`,
        ...(r.gitignoreUpdated ? ["Added .tt to .gitignore"] : []),
        r.managedRedis
          ? `Redis: ${r.redisUrl} (${r.startedServer ? "started" : "already running"})`
          : `Redis: ${r.redisUrl} (external)`,
        ...r.warnings.map((w) => `warning: ${w}`),
        `Next: tt spawn <name>`,
      ]);
    });

  program
    .command("start")
    .description("start the town's Redis if it is not running (returns once it answers)")
    .option("--json", jsonHelp())
    .action((opts: { json?: boolean }, cmd: Command) => startAction(opts, globalOptions(cmd)));

  program
    .command("stop")
    .description("stop the town's agents, then its Redis")
    .option("--json", jsonHelp())
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { stopTown } = await lazyImport<typeof import("../service/town_stop.ts")>(
        "src/service/town_stop.ts",
      );
      const r = await stopTown(globalOptions(cmd).town);
      const json = {
        agents_stopped: r.agentsStopped,
        agents_killed: r.agentsKilled,
        managed: r.managed,
        central: r.central,
        stopped: r.stopped,
      };
      const d = r;
      report(opts.json, json, () => [
        d.agentsStopped.length
          ? `Stopped ${d.agentsStopped.length} agent(s): ${d.agentsStopped.join(", ")}`
          : "No running agents",
        ...(d.agentsKilled.length
          ? [`Killed loops that did not exit in time: ${d.agentsKilled.join(", ")}`]
          : []),
        !d.managed
          ? "Redis is external: left running"
          : d.central
          ? "Redis is the shared central server: left running for other towns"
          : d.stopped
          ? "Stopped the town's Redis"
          : "The town's Redis was not running",
      ]);
    });

  program
    .command("reset")
    .description(
      "stop the town's agent loops and delete its data from Redis (asks first unless --force)",
    )
    .option("-f, --force", "delete without asking")
    .option("--agents-only", "delete only agents (records, inboxes, activity), keep tasks")
    .option("--json", jsonHelp())
    .action(
      async (opts: { force?: boolean; agentsOnly?: boolean; json?: boolean }, cmd: Command) => {
        const town = await openCommandTown(cmd);
        try {
          const { previewReset, resetTown } = await lazyImport<
            typeof import("../service/town_reset.ts")
          >("src/service/town_reset.ts");
          const preview = await previewReset(town);
          const { running, ...counts } = preview;
          const what = opts.agentsOnly
            ? `${preview.agents} agent(s)`
            : `${preview.agents} agent(s), ${preview.tasks} task(s), ${preview.backlog} backlog ` +
              `entr${preview.backlog === 1 ? "y" : "ies"} (${preview.keys} keys)`;
          const stopFirst = running.length
            ? `stop ${running.length} running agent loop(s) (${running.join(", ")}) and `
            : "";
          let go = opts.force === true;
          if (!go && Deno.stdin.isTerminal() && !opts.json) {
            go = confirm(capitalize(`${stopFirst}delete ${what} of town '${town.name}'?`));
            if (!go) return say("Nothing deleted.");
          }
          if (!go) {
            return report(
              opts.json,
              { deleted: 0, would_delete: counts, would_stop: running },
              () => [
                `Would ${stopFirst}delete ${what} of town '${town.name}'.`,
                "Nothing deleted: re-run with --force to delete.",
              ],
            );
          }
          const r = await resetTown(town, opts.agentsOnly === true);
          const data = {
            deleted: r.deleted,
            agents_only: opts.agentsOnly === true,
            agents_stopped: r.agentsStopped,
            agents_killed: r.agentsKilled,
          };
          report(opts.json, data, () => [
            ...(r.agentsStopped.length
              ? [`Stopped ${r.agentsStopped.length} agent(s): ${r.agentsStopped.join(", ")}`]
              : []),
            ...(r.agentsKilled.length
              ? [`Killed loops that did not exit in time: ${r.agentsKilled.join(", ")}`]
              : []),
            `Reset complete: deleted ${r.deleted} Redis key(s)${
              opts.agentsOnly ? " (agents only)" : ""
            }`,
          ]);
        } finally {
          await town.close();
        }
      },
    );

  program
    .command("towns")
    .description("list the towns registered on this machine and whether they are running")
    .option("--json", jsonHelp())
    .action(async (opts: { json?: boolean }) => {
      const { listTownsWithStatus } = await lazyImport<typeof import("../service/town_list.ts")>(
        "src/service/town_list.ts",
      );
      const towns = await listTownsWithStatus();
      report(
        opts.json,
        towns,
        (list) =>
          list.length === 0 ? ["No towns registered yet (create one with 'tt init')."] : [
            `Towns (${list.length}):`,
            ...list.flatMap((t) => [`  ${t.name}  ${t.status}`, `    ${t.path}`]),
          ],
      );
    });

  program
    .command("config")
    .description("show or change the global config (~/.tt/config.toml, or $TT_HOME)")
    .argument("[key]", `one of: ${GLOBAL_CONFIG_KEYS.join(", ")}`)
    .argument("[value]", "new value (omit to print the current one)")
    .option("--json", jsonHelp())
    .action(
      async (key: string | undefined, value: string | undefined, opts: { json?: boolean }) => {
        const config = await loadGlobalConfig();
        const path = globalConfigPath();
        if (key === undefined) {
          const data = {
            path,
            default_cli: config.defaultCli,
            conductor_cli: config.conductorCli ?? null,
            agent_clis: config.agentClis,
            redis: {
              host: config.redis.host,
              port: config.redis.port,
              password: config.redis.password ? SECRET_MASK : null,
              use_central: config.redis.useCentral,
            },
            presets: PRESET_CLI_NAMES,
          };
          return report(opts.json, data, (d) => [
            `Global config: ${d.path}`,
            `  default_cli = ${d.default_cli}`,
            ...(d.conductor_cli ? [`  conductor_cli = ${d.conductor_cli}`] : []),
            ...Object.entries(d.agent_clis).map(([n, c]) => `  agent_clis.${n} = ${c}`),
            `  redis.use_central = ${d.redis.use_central}`,
            `Built-in CLIs: ${d.presets.join(", ")}`,
          ]);
        }
        // A secret is never printed (terminals are read over shoulders and kept in logs).
        const shown = (v: string) => isSecretConfigKey(key) ? SECRET_MASK : v;
        if (value === undefined) {
          const current = getGlobalValue(config, key);
          if (current === undefined) throw new TtError(`config key '${key}' is not set`);
          return report(opts.json, { key, value: shown(current) }, (d) => [d.value]);
        }
        setGlobalValue(config, key, value);
        await saveGlobalConfig(config);
        report(
          opts.json,
          { key, value: shown(value), path },
          (d) => [`Set ${d.key} = ${d.value} in ${d.path}`],
        );
      },
    );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
