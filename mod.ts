/**
 * tt as a library: open or create a town, spawn agents, give them work and read what they
 * report, from a Deno script. The CLI (`main.ts`) runs the same operations.
 *
 * ```ts
 * import { Town } from "./mod.ts";
 *
 * await using town = await Town.init("./my-project", "my-project");
 * const worker = await town.spawnAgent("worker-1", { cli: "claude", maxRounds: 20 });
 * const taskId = await worker.assign("Fix the bug in auth.ts");
 * await worker.wait({ timeoutMs: 600_000 });
 * console.log((await town.channel.getTask(taskId))?.state);
 * ```
 *
 * Needs `--allow-all` (it runs redis-server and agent loops, and reads /proc).
 *
 * @module
 */

export { Town } from "./src/lib/town.ts";
export type {
  RedisLifecycle,
  SpawnAgentOptions,
  TownInitOptions,
  TownOpenOptions,
} from "./src/lib/town.ts";
export type { AgentTimings, RedisInfo, TownSettings } from "./src/lib/config.ts";
export type { StopResult } from "./src/service/town_stop.ts";
export type { LoopsStopped } from "./src/service/agent_stop_loops.ts";
export { AgentHandle } from "./src/lib/agent_handle.ts";
export type { AgentSendOptions, AgentWaitOptions } from "./src/lib/agent_handle.ts";
export { Channel } from "./src/lib/channel.ts";
export type { ReplyOptions, WaitOptions } from "./src/lib/channel.ts";
export { BroadcastSubscription, EventFeed } from "./src/lib/subscriptions.ts";
export type { EventFeedOptions } from "./src/lib/subscriptions.ts";
export type { StoredEvent } from "./src/store/events.ts";
export type { SendKind } from "./src/service/message_send.ts";

export {
  AGENT_STATES,
  AGENT_TYPES,
  canAcceptWork,
  displayLabel,
  displayName,
  isActiveState,
  isTerminalState,
  newAgent,
  SPAWN_MODES,
  stateDisplayName,
} from "./src/model/agent.ts";
export type {
  Agent,
  AgentState,
  AgentType,
  NewAgentOptions,
  SpawnMode,
} from "./src/model/agent.ts";
export {
  FAILED_OUTCOMES,
  type FailedOutcome,
  type RoundFailure,
} from "./src/model/round_failure.ts";
export {
  assignTask,
  cancelTask,
  completeTask,
  failTask,
  isTaskTerminal,
  newTask,
  requeueTask,
  startTask,
  TASK_STATES,
} from "./src/model/task.ts";
export type { NewTaskOptions, Task, TaskState } from "./src/model/task.ts";
export {
  classifyMessage,
  isActionable,
  MESSAGE_CATEGORIES,
  MESSAGE_TYPES,
  newMessage,
  PRIORITIES,
  summarizeMessage,
} from "./src/model/message.ts";
export type {
  Confirmation,
  Message,
  MessageBody,
  MessageCategory,
  MessageType,
  NewMessageOptions,
  Priority,
} from "./src/model/message.ts";
export { EVENT_TYPES, newEvent } from "./src/model/event.ts";
export type { EventFields, EventType, TownEvent } from "./src/model/event.ts";
export { isId, newId, parseId, shortId, SUPERVISOR_ID } from "./src/model/ids.ts";

export * from "./src/lib/errors.ts";

/** Agent operations (`tt list`, `kill`, `interrupt`, `resume`, `close`, `restart`, `prune`). */
export * as AgentService from "./src/lib/services/agents.ts";
/** Task operations (`tt assign`, `tt task complete|fail|show|list|current`). */
export * as TaskService from "./src/lib/services/tasks.ts";
/** Backlog operations (`tt backlog add|list|claim|assign-all|remove`). */
export * as BacklogService from "./src/lib/services/backlog.ts";
/** Messaging operations (`tt send`, `tt inbox`). */
export * as MessageService from "./src/lib/services/messages.ts";
/** Recovery (`tt recover`). */
export * as RecoveryService from "./src/lib/services/recovery.ts";
