/**
 * A split point of the bundle (src/bundle/entry.ts): the full command-line parser (commander) and
 * every command group it loads.
 */
export * as agentAgentFiles from "../agent/agent_files.ts";
export * as cliAgents from "../cli/agents.ts";
export * as cliApp from "../cli/app.ts";
export * as cliBacklog from "../cli/backlog.ts";
export * as cliConductor from "../cli/conductor.ts";
export * as cliEvents from "../cli/events.ts";
export * as cliLogs from "../cli/logs.ts";
export * as cliMcp from "../cli/mcp.ts";
export * as cliMission from "../cli/mission.ts";
export * as cliPlan from "../cli/plan.ts";
export * as cliRecovery from "../cli/recovery.ts";
export * as cliTown from "../cli/town.ts";
export * as cliTownhall from "../cli/townhall.ts";
export * as serviceAgentControl from "../service/agent_control.ts";
export * as serviceAgentLogs from "../service/agent_logs.ts";
export * as serviceAgentSpawn from "../service/agent_spawn.ts";
export * as serviceTownInit from "../service/town_init.ts";
export * as serviceTownList from "../service/town_list.ts";
export * as serviceTownReset from "../service/town_reset.ts";
export * as serviceTownStop from "../service/town_stop.ts";
