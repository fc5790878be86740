/** Opening the town for a command, and closing it whatever happens. */
import type { Command } from "commander";
import { openStore, type Store } from "../store/store.ts";
import type { Town } from "../town/town.ts";
import { openCommandTown } from "./open_town.ts";

export interface WithTownOptions {
  /**
   * The command only reads the town: it does not start a stopped town's redis-server (that
   * would undo a `tt stop` unasked) and fails with `TownStoppedError` instead. A server that
   * died without a clean shutdown was not stopped on purpose: it is restarted, with a warning.
   */
  readOnly?: boolean;
}

/** Runs `fn` with the town of the command's `--town` and its store, then closes the connection. */
export async function withTown<T>(
  cmd: Command,
  fn: (town: Town, store: Store) => Promise<T>,
  options: WithTownOptions = {},
): Promise<T> {
  const town = await openCommandTown(cmd, { start: !options.readOnly, restartCrashed: true });
  try {
    return await fn(town, openStore(town.redis, town.name));
  } finally {
    await town.close();
  }
}
