/**
 * The public surface of tt's Redis client (RESP2 over a Unix socket, TCP or TLS).
 *
 *   const client = await RedisClient.connect("unix:///path/.tt/redis.sock");
 *   await client.hset("k", { a: "1" });                  // typed helpers (commands.ts)
 *   await client.command(["HGETALL", "k"]);              // any command, bulk strings as text
 *   await client.commandRaw(["GET", "blob"]);            // bulk strings as bytes
 *   await client.pipeline().add("INCR", "n").add("GET", "n").exec();   // one write
 *   await client.multi().add("INCR", "n").execOrNull();  // null when a WATCHed key changed
 *   const blocking = await client.duplicate();           // own connection for BLPOP/XREAD
 *   await blocking.blpop(["q"], 0, { signal });          // abort -> RedisClosedError
 *   const sub = await client.subscriber();               // pub/sub on its own connection
 *   await client.close();
 *
 * Commands issued without awaiting share one write (automatic pipelining). Errors: a Redis
 * error reply is a RedisReplyError (`code`, `text`); a lost connection rejects every waiting
 * command with RedisConnectionError; close() or an aborted signal with RedisClosedError.
 */
export { type ClientOptions, type ReconnectOptions, RedisClient } from "./client.ts";
export { type StreamEntry } from "./commands.ts";
export { RedisConnection, type SendOptions } from "./connection.ts";
export {
  RedisAuthError,
  RedisClosedError,
  RedisConnectionError,
  RedisError,
  RedisLoadingError,
  RedisReplyError,
  RedisTimeoutError,
} from "./errors.ts";
export { type BatchSender, Pipeline, type PipelineResult, Transaction } from "./pipeline.ts";
export {
  type MessageHandler,
  type PatternHandler,
  Subscriber,
  type SubscriberOptions,
} from "./pubsub.ts";
export { decodeReply, type RedisArg, type RedisValue, type RespValue } from "./resp.ts";
export { Script } from "./script.ts";
export {
  type ConnectOptions,
  describeEndpoint,
  type Endpoint,
  parseRedisUrl,
  redactUrl,
} from "./url.ts";
