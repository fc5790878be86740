/**
 * `tt start`: open the town, starting its Redis if needed. Apart from the other town commands
 * (town.ts), which read and write the global config: the fast parser runs this one without
 * loading them (src/cli/fast/).
 */
import type { GlobalOptions } from "./globals.ts";
import { openCommandTown } from "./open_town.ts";
import { report } from "./output.ts";

/** `tt start`. */
export async function startAction(opts: { json?: boolean }, globals: GlobalOptions): Promise<void> {
  const town = await openCommandTown(globals);
  const data = {
    town: town.name,
    root: town.root,
    redis: town.redisUrl,
    managed: town.server !== undefined,
    started: town.startedServer,
  };
  await town.close();
  report(opts.json, data, (d) => [
    `Town '${d.town}' is running (Redis ${d.redis}${
      d.managed ? (d.started ? ", started now" : ", already running") : ", external"
    })`,
  ]);
}
