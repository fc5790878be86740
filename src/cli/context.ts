/** Opening the town for a command, and closing it whatever happens. */
import type { Command } from "commander";
import { openStore, type Store } from "../store/store.ts";
import { openTown, type Town } from "../town/town.ts";
import { globalOptions } from "./app.ts";

/** Runs `fn` with the town of the command's `--town` and its store, then closes the connection. */
export async function withTown<T>(
  cmd: Command,
  fn: (town: Town, store: Store) => Promise<T>,
): Promise<T> {
  const town = await openTown(globalOptions(cmd).town);
  try {
    return await fn(town, openStore(town.redis, town.name));
  } finally {
    await town.close();
  }
}
