/** `tt stop`: stop the town's redis-server (agents are asked to stop first, see cli/town.ts). */
import { stopServer } from "../redis/server.ts";
import { loadTownConfig } from "./config.ts";
import { type Env, processEnv } from "./env.ts";
import { townPaths } from "./paths.ts";
import { managedServer } from "./town.ts";

export interface StopServerResult {
  /** False for an external Redis, which tt never stops. */
  managed: boolean;
  /** True for the shared central server, which other towns use and tt leaves running. */
  central: boolean;
  /** True when a running server was stopped by this call. */
  stopped: boolean;
}

export async function stopTownServer(
  root: string,
  env: Env = processEnv,
): Promise<StopServerResult> {
  const config = await loadTownConfig(root);
  const server = managedServer(config, townPaths(root, config.redis), env);
  if (!server) return { managed: false, central: false, stopped: false };
  if (config.useCentralRedis) return { managed: true, central: true, stopped: false };
  return { managed: true, central: false, stopped: await stopServer(server) };
}
