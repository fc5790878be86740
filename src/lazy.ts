/**
 * Importing one of our modules only when it runs. A literal `import("./x.ts")` makes Deno load
 * and prepare the whole graph of x.ts before the first line of the program runs, taken or not:
 * `tt send` paid ~60 ms for the graph of the full parser (commander, the MCP SDK, hono). A
 * specifier built at run time is loaded only when imported. scripts/compile.ts includes these
 * modules in binaries (LAZY_MODULES), since `deno compile` cannot see them either, and the
 * bundled build gives literal loaders for them (src/bundle/entry.ts).
 */

/** Modules imported through `lazyImport`, from the repository root (for `deno compile`). */
export const LAZY_MODULES = [
  "src/agent/host_nudge.ts",
  "src/agent/agent_files.ts",
  "src/agent/loop_process.ts",
  "src/agent/runner.ts",
  "src/cli/agent_loop_entry.ts",
  "src/cli/agents.ts",
  "src/cli/app.ts",
  "src/cli/backlog.ts",
  "src/cli/conductor.ts",
  "src/cli/events.ts",
  "src/cli/logs.ts",
  "src/cli/mcp.ts",
  "src/cli/messages.ts",
  "src/cli/mission.ts",
  "src/cli/plan.ts",
  "src/cli/recovery.ts",
  "src/cli/status.ts",
  "src/cli/tasks.ts",
  "src/cli/town.ts",
  "src/cli/town_start.ts",
  "src/cli/townhall.ts",
  "src/mcp/http.ts",
  "src/mcp/stdio.ts",
  "src/mission/service.ts",
  "src/redis/pubsub.ts",
  "src/redis/server.ts",
  "src/redis/server_state.ts",
  "src/service/agent_control.ts",
  "src/service/agent_logs.ts",
  "src/service/agent_spawn.ts",
  "src/service/town_init.ts",
  "src/service/town_list.ts",
  "src/service/town_reset.ts",
  "src/service/town_stop.ts",
  "src/store/docket.ts",
  "src/store/hosts.ts",
  "src/store/migration.ts",
  "src/store/missions.ts",
  "src/store/reclaim.ts",
  "src/store/snapshots.ts",
  "src/store/wipe.ts",
  "src/town/toml_text.ts",
  "src/townhall/rest/server.ts",
] as const;

/** One of the modules that are imported lazily, named from the repository root. */
export type LazyModule = typeof LAZY_MODULES[number];

type Loader = () => Promise<unknown>;

/** The repository root, from this file's place in src/. */
const ROOT = new URL("../", import.meta.url);

/**
 * Loaders with literal specifiers, given by a build that bundles tt into one program
 * (src/bundle/entry.ts): there every module shares the bundle's URL, so the run-time
 * specifier below would point nowhere, and the bundler needs literal imports to include them.
 */
let provided: Readonly<Record<LazyModule, Loader>> | undefined;

/** Called once, first thing, by a bundled build (src/bundle/entry.ts). */
export function provideLazyModules(loaders: Readonly<Record<LazyModule, Loader>>): void {
  provided = loaders;
}

/** Imports `module` (named from the repository root, one of LAZY_MODULES) when called. */
export function lazyImport<T>(module: LazyModule): Promise<T> {
  const load = provided?.[module];
  return (load ? load() : import(new URL(module, ROOT).href)) as Promise<T>;
}
