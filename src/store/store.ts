/** Everything a command needs to read or change a town's data, bound to one connection. */
import type { RedisClient } from "../redis/client.ts";
import { ActivityLog } from "./activity.ts";
import { AgentStore } from "./agents.ts";
import { EventLog } from "./events.ts";
import { type TownKeys, townKeys } from "./keys.ts";
import { Mailbox } from "./mailbox.ts";
import { MissionStore } from "./missions.ts";
import { TaskStore } from "./tasks.ts";

export interface Store {
  redis: RedisClient;
  keys: TownKeys;
  agents: AgentStore;
  tasks: TaskStore;
  mailbox: Mailbox;
  events: EventLog;
  activity: ActivityLog;
  missions: MissionStore;
}

export function openStore(redis: RedisClient, townName: string): Store {
  const keys = townKeys(townName);
  const store = {
    redis,
    keys,
    agents: new AgentStore(redis, keys),
    tasks: new TaskStore(redis, keys),
    mailbox: new Mailbox(redis, keys),
    events: new EventLog(redis, keys),
    activity: new ActivityLog(redis, keys),
  };
  return { ...store, missions: new MissionStore(redis, keys, store.events) };
}
