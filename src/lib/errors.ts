/**
 * The typed errors the library throws: tt's own (one readable line each, as the CLI prints
 * them), the Redis client's, and the two that only waiting on an agent produces.
 */
import { TtError } from "../errors.ts";
import type { Agent } from "../model/agent.ts";

export {
  AgentNotFoundError,
  ConfigError,
  NotInitializedError,
  RedisServerError,
  TaskNotFoundError,
  TtError,
  UsageError,
} from "../errors.ts";
export {
  RedisAuthError,
  RedisClosedError,
  RedisConnectionError,
  RedisError,
  RedisReplyError,
  RedisTimeoutError,
} from "../redis/errors.ts";

/** `AgentHandle.wait` reached its deadline; `agent` is the record as last read. */
export class WaitTimeoutError extends TtError {
  /** The agent record as last read before the deadline. */
  readonly agent: Agent;
  /** Made by `wait` when `timeoutMs` has passed. */
  constructor(agent: Agent, timeoutMs: number) {
    super(`agent '${agent.name}' is still ${agent.state} after ${timeoutMs} ms`);
    this.agent = agent;
  }
}

/** The agent waited for went to the `error` state; `agent.lastError` says why when known. */
export class AgentFailedError extends TtError {
  /** The agent record in its `error` state. */
  readonly agent: Agent;
  /** Made by `wait` from the record in its `error` state. */
  constructor(agent: Agent) {
    super(
      `agent '${agent.name}' is in the error state` +
        (agent.lastError ? `: ${agent.lastError.split("\n")[0]}` : ""),
    );
    this.agent = agent;
  }
}
