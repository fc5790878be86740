/**
 * Settings changed in a running managed redis-server, over a connection (CONFIG SET), never on
 * a command line: its password for a server an older tt started without one, and AOF for a
 * server that had to load its RDB first.
 */
import { RedisServerError } from "../errors.ts";
import { RedisConnection } from "./connection.ts";
import type { ManagedServer } from "./server.ts";
import { serverEndpoint } from "./server_config.ts";
import { describeEndpoint } from "./url.ts";

/** How long loading a large data set may take before tt gives up on it. */
const LOAD_TIMEOUT_MS = 60_000;

/**
 * Gives a running server that has no password the server's one (a town's server started by
 * an older tt); CONFIG SET goes over the connection, never on a command line.
 */
export async function requirePassword(server: ManagedServer): Promise<void> {
  let conn: RedisConnection | undefined;
  try {
    conn = await RedisConnection.connect({ endpoint: serverEndpoint(server) });
    await conn.send(["CONFIG", "SET", "requirepass", server.password!]);
  } catch (err) {
    throw new RedisServerError(
      `cannot give the redis-server on ${describeEndpoint(serverEndpoint(server))} its ` +
        `password: ${(err as Error).message}`,
    );
  } finally {
    await conn?.close();
  }
}

/** Turns AOF on in a running server, once it has loaded its data (Redis then writes the AOF). */
export async function enableAof(server: ManagedServer): Promise<void> {
  let conn: RedisConnection | undefined;
  try {
    conn = await RedisConnection.connect({
      endpoint: serverEndpoint(server),
      password: server.password,
      loadingTimeoutMs: LOAD_TIMEOUT_MS,
    });
    await conn.send(["CONFIG", "SET", "appendonly", "yes"]);
  } catch (err) {
    throw new RedisServerError(
      `redis-server started from its RDB snapshot but could not turn on the append-only file: ` +
        `${(err as Error).message}`,
    );
  } finally {
    await conn?.close();
  }
}
