/** The public surface of tt's Redis client. */
export { type ClientOptions, type ReconnectOptions, RedisClient } from "./client.ts";
export { type StreamEntry } from "./commands.ts";
export { RedisConnection, type SendOptions } from "./connection.ts";
export {
  RedisAuthError,
  RedisClosedError,
  RedisConnectionError,
  RedisError,
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
