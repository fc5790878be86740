/**
 * Importing one of our modules only when it runs. A literal `import("./x.ts")` makes Deno load
 * and prepare the whole graph of x.ts before the first line of the program runs, taken or not:
 * `tt send` paid ~60 ms for the graph of the full parser (commander, the MCP SDK, hono). A
 * specifier built at run time is loaded only when imported. scripts/compile.ts includes these
 * modules in binaries (LAZY_MODULES), since `deno compile` cannot see them either.
 */

/** Modules imported through `lazyImport`, from the repository root (for `deno compile`). */
export const LAZY_MODULES = [
  "src/cli/agent_loop_entry.ts",
  "src/cli/app.ts",
  "src/cli/messages.ts",
  "src/cli/tasks.ts",
  "src/cli/status.ts",
  "src/cli/town_start.ts",
  "src/mission/service.ts",
  "src/redis/pubsub.ts",
  "src/redis/server.ts",
  "src/redis/server_state.ts",
  "src/store/docket.ts",
  "src/store/hosts.ts",
  "src/store/migration.ts",
  "src/store/missions.ts",
  "src/store/reclaim.ts",
  "src/store/snapshots.ts",
  "src/store/wipe.ts",
  "src/town/toml_text.ts",
] as const;

/** Imports `path` (relative to `base`, an `import.meta.url`) when called. */
export function lazyImport<T>(path: string, base: string): Promise<T> {
  return import(new URL(path, base).href);
}
