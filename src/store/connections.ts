/**
 * The town's extra connections: dedicated ones for blocking reads (BLMOVE, XREAD BLOCK), a
 * pub/sub subscriber, and the CLIENT commands that manage them. The clients handed out go back
 * into store methods (`waitForMessage`, `readAfter`) and are closed by their owner.
 */
import type { RedisClient } from "../redis/client.ts";
import type { Subscriber } from "../redis/pubsub.ts";

export class Connections {
  constructor(private readonly redis: RedisClient) {}

  /** One PING round trip in milliseconds; rejects when Redis fails or answers oddly. */
  async ping(): Promise<number> {
    const t0 = performance.now();
    const reply = await this.redis.command(["PING"]);
    if (reply !== "PONG") throw new Error(`Unexpected Redis PING response: ${String(reply)}`);
    return performance.now() - t0;
  }

  /** A new connection with the same endpoint, AUTH and db, for blocking commands. */
  dedicated(): Promise<RedisClient> {
    return this.redis.duplicate();
  }

  /** A pub/sub subscriber on its own connection. */
  subscriber(): Promise<Subscriber> {
    return this.redis.subscriber();
  }

  /** The server's id of a connection (CLIENT ID), to cancel its blocking wait later. */
  async clientId(client: RedisClient): Promise<number> {
    return Number(await client.command(["CLIENT", "ID"]));
  }

  /** Cancels the blocking wait of connection `id` (CLIENT UNBLOCK); true when one was cut. */
  async unblock(id: number): Promise<boolean> {
    return (await this.redis.command(["CLIENT", "UNBLOCK", id])) === 1;
  }

  /** The names of the server's connected clients (CLIENT LIST), one per connection. */
  async clientNames(): Promise<string[]> {
    const list = String(await this.redis.command(["CLIENT", "LIST"]));
    return list.split("\n").filter((line) => line.trim() !== "").map((line) =>
      /(?:^| )name=(\S*)/.exec(line)?.[1] ?? ""
    );
  }
}
