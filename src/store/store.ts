/**
 * Everything a command needs to read or change a town's data, bound to one connection. The
 * store is sealed: key names live in keys.ts, Lua scripts behind repository methods, and the
 * connection itself is not part of the Store (only repositories hold it).
 *
 * The repositories the per-round commands (send, task complete, status, ...) do not use are
 * deferred: their modules load on their first call (deferred.ts).
 */
import { lazyImport } from "../lazy.ts";
import type { RedisClient } from "../redis/client.ts";
import { ActivityLog } from "./activity.ts";
import { AgentStore } from "./agents.ts";
import { WriteBatch } from "./batch.ts";
import { Connections } from "./connections.ts";
import { deferred } from "./deferred.ts";
import type { Docket } from "./docket.ts";
import { EventLog } from "./events.ts";
import type { HostStore } from "./hosts.ts";
import { type TownKeys, townKeys } from "./keys.ts";
import { Leases } from "./leases.ts";
import { Mailbox } from "./mailbox.ts";
import { missionKeys } from "./mission_keys.ts";
import type { Migration } from "./migration.ts";
import type { MissionStore } from "./missions.ts";
import { Overview } from "./overview.ts";
import type { ReclaimSteps } from "./reclaim.ts";
import type { Snapshots } from "./snapshots.ts";
import { TaskStates } from "./task_states.ts";
import { TaskStore } from "./tasks.ts";
import type { TownWipe } from "./wipe.ts";

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

/** The deferred repositories' modules (listed in LAZY_MODULES, see src/lazy.ts). */
const modules = {
  hosts: () => lazyImport<typeof import("./hosts.ts")>("src/store/hosts.ts"),
  missions: () => lazyImport<typeof import("./missions.ts")>("src/store/missions.ts"),
  reclaim: () => lazyImport<typeof import("./reclaim.ts")>("src/store/reclaim.ts"),
  snapshots: () => lazyImport<typeof import("./snapshots.ts")>("src/store/snapshots.ts"),
  wipe: () => lazyImport<typeof import("./wipe.ts")>("src/store/wipe.ts"),
  migration: () => lazyImport<typeof import("./migration.ts")>("src/store/migration.ts"),
  docket: () => lazyImport<typeof import("./docket.ts")>("src/store/docket.ts"),
};

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
    hosts: deferred(async () => new (await modules.hosts()).HostStore(redis, keys)),
    missions: deferred(
      async () => new (await modules.missions()).MissionStore(redis, keys, events),
      { keys: missionKeys(townName) },
    ),
    leases: new Leases(redis, keys),
    overview: new Overview(redis, keys),
    reclaim: deferred(async () => new (await modules.reclaim()).ReclaimSteps(redis, keys)),
    snapshots: deferred(async () => new (await modules.snapshots()).Snapshots(redis, keys)),
    wipe: deferred(async () => new (await modules.wipe()).TownWipe(redis, keys)),
    migration: deferred(async () => new (await modules.migration()).Migration(redis, keys)),
    docket: deferred(async () => new (await modules.docket()).Docket(redis, keys)),
    connections: new Connections(redis),
    pipeline: () => new WriteBatch(redis.pipeline()),
    transaction: () => new WriteBatch(redis.multi()),
  };
}
