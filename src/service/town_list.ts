/** `tt towns`: the registered towns and whether each is running, without starting anything. */
import { RedisClient } from "../redis/client.ts";
import { pingServer, serverEndpoint } from "../redis/server.ts";
import { parseRedisUrl } from "../redis/url.ts";
import { townKeys } from "../store/keys.ts";
import { loadTownConfig } from "../town/config.ts";
import { type Env, processEnv } from "../town/env.ts";
import { townPaths } from "../town/paths.ts";
import { redisUrl } from "../town/redis_endpoint.ts";
import { listRegisteredTowns } from "../town/registry.ts";
import { managedServer } from "../town/town.ts";

export interface TownListing {
  name: string;
  path: string;
  state: "running" | "stopped" | "missing" | "no-config" | "bad-config" | "unreachable";
  agents?: number;
  status: string;
}

export async function listTownsWithStatus(env: Env = processEnv): Promise<TownListing[]> {
  const towns = await listRegisteredTowns(env);
  return await Promise.all(towns.map((t) => probe(t.name, t.path, env)));
}

async function probe(name: string, path: string, env: Env): Promise<TownListing> {
  try {
    await Deno.stat(path);
  } catch {
    return { name, path, state: "missing", status: "(path not found)" };
  }
  let config;
  try {
    config = await loadTownConfig(path);
  } catch (err) {
    const missing = (err as Error).name === "NotInitializedError";
    return {
      name,
      path,
      state: missing ? "no-config" : "bad-config",
      status: missing ? "(no config)" : `(bad config: ${(err as Error).message})`,
    };
  }
  const paths = townPaths(path, config.redis);
  const server = managedServer(config, paths, env);
  if (server && !(await pingServer(server, 500))) {
    return { name, path, state: "stopped", status: "[stopped]" };
  }
  let client: RedisClient | undefined;
  try {
    const target = server
      ? { endpoint: serverEndpoint(server), password: server.password }
      : parseRedisUrl(redisUrl(config, path, env));
    client = await RedisClient.connect({ ...target, connectTimeoutMs: 1000 });
    const agents = await client.scard(townKeys(config.name).agentsIndex);
    return { name, path, state: "running", agents, status: `[running] ${agents} agent(s)` };
  } catch {
    return { name, path, state: "unreachable", status: "[unreachable]" };
  } finally {
    await client?.close();
  }
}
