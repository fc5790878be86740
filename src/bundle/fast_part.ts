/**
 * A split point of the bundle (src/bundle/entry.ts): the common commands and the small lazy
 * modules.
 */
export * as agentHostNudge from "../agent/host_nudge.ts";
export * as cliMessages from "../cli/messages.ts";
export * as cliStatus from "../cli/status.ts";
export * as cliTasks from "../cli/tasks.ts";
export * as cliTownStart from "../cli/town_start.ts";
export * as redisPubsub from "../redis/pubsub.ts";
export * as redisServer from "../redis/server.ts";
export * as redisServerState from "../redis/server_state.ts";
export * as storeDocket from "../store/docket.ts";
export * as storeHosts from "../store/hosts.ts";
export * as storeMigration from "../store/migration.ts";
export * as storeMissions from "../store/missions.ts";
export * as storeReclaim from "../store/reclaim.ts";
export * as storeSnapshots from "../store/snapshots.ts";
export * as storeWipe from "../store/wipe.ts";
export * as townTomlText from "../town/toml_text.ts";
