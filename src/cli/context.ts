/** Opening the town for a command, and closing it whatever happens. */
import type { Command } from "commander";
import { openStore, type Store } from "../store/store.ts";
import { openTown, type Town } from "../town/town.ts";
import { globalOptions } from "./globals.ts";

export interface WithTownOptions {
  /**
   * The command only reads the town: it does not start a stopped town's redis-server (that
   * would undo a `tt stop` unasked) and fails with `TownStoppedError` instead.
   */
  readOnly?: boolean;
}

/** Runs `fn` with the town of the command's `--town` and its store, then closes the connection. */
export async function withTown<T>(
  cmd: Command,
  fn: (town: Town, store: Store) => Promise<T>,
  options: WithTownOptions = {},
): Promise<T> {
  const town = await openTown(globalOptions(cmd).town, { start: !options.readOnly });
  try {
    return await fn(town, openStore(town.redis, town.name));
  } finally {
    await town.close();
  }
}
