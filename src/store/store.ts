/**
 * Everything a command needs to read or change a town's data, bound to one connection. The
 * store is sealed: key names live in keys.ts, Lua scripts behind repository methods, and the
 * connection itself is not part of the Store (only repositories hold it).
 */
import type { RedisClient } from "../redis/client.ts";
import { ActivityLog } from "./activity.ts";
import { AgentStore } from "./agents.ts";
import { WriteBatch } from "./batch.ts";
import { Connections } from "./connections.ts";
import { Docket } from "./docket.ts";
import { EventLog } from "./events.ts";
import { HostStore } from "./hosts.ts";
import { type TownKeys, townKeys } from "./keys.ts";
import { Leases } from "./leases.ts";
import { Mailbox } from "./mailbox.ts";
import { Migration } from "./migration.ts";
import { MissionStore } from "./missions.ts";
import { Overview } from "./overview.ts";
import { ReclaimSteps } from "./reclaim.ts";
import { Snapshots } from "./snapshots.ts";
import { TaskStates } from "./task_states.ts";
import { TaskStore } from "./tasks.ts";
import { TownWipe } from "./wipe.ts";

export interface Store {
  keys: TownKeys;
  agents: AgentStore;
  tasks: TaskStore;
  /** Per-state task counts and the running-task index, kept by the task writes. */
  taskStates: TaskStates;
  mailbox: Mailbox;
  events: EventLog;
  activity: ActivityLog;
  hosts: HostStore;
  missions: MissionStore;
  /** Liveness leases and the loop flags `tt recover` reads. */
  leases: Leases;
  /** The per-agent numbers of `tt status` in one round trip. */
  overview: Overview;
  /** The atomic steps of `tt reclaim`. */
  reclaim: ReclaimSteps;
  /** `tt save` / `tt restore`. */
  snapshots: Snapshots;
  /** `tt reset`. */
  wipe: TownWipe;
  /** `tt migrate`. */
  migration: Migration;
  /** The opt-in docket stream's depth (`/api/scaling`). */
  docket: Docket;
  /** Dedicated and pub/sub connections, and the CLIENT commands for them. */
  connections: Connections;
  /** A batch for repositories' `...To` writes, sent in one write (not atomic). */
  pipeline(): WriteBatch;
  /** A batch for repositories' `...To` writes, sent as one MULTI/EXEC transaction. */
  transaction(): WriteBatch;
}

export function openStore(redis: RedisClient, townName: string): Store {
  const keys = townKeys(townName);
  const events = new EventLog(redis, keys);
  return {
    keys,
    agents: new AgentStore(redis, keys),
    tasks: new TaskStore(redis, keys),
    taskStates: new TaskStates(redis, keys),
    mailbox: new Mailbox(redis, keys),
    events,
    activity: new ActivityLog(redis, keys),
    hosts: new HostStore(redis, keys),
    missions: new MissionStore(redis, keys, events),
    leases: new Leases(redis, keys),
    overview: new Overview(redis, keys),
    reclaim: new ReclaimSteps(redis, keys),
    snapshots: new Snapshots(redis, keys),
    wipe: new TownWipe(redis, keys),
    migration: new Migration(redis, keys),
    docket: new Docket(redis, keys),
    connections: new Connections(redis),
    pipeline: () => new WriteBatch(redis.pipeline()),
    transaction: () => new WriteBatch(redis.multi()),
  };
}
