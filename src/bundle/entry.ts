/**
 * The entry of the bundled build (`deno task bundle`, scripts/bundle.ts): the program of
 * main.ts (src/cli/main.ts), with a loader for every lazily imported module (src/lazy.ts),
 * which a bundle needs because all its modules share the bundle's URL.
 *
 * Each `import()` here is a split point. The bundler puts the modules used by the same set of
 * split points into one chunk, and every chunk is a file a command must read, so there are
 * only five split points, the *_part.ts files next to this one: the common commands with the
 * small lazy modules (fast), the full parser and its command groups (cli), the agent loop, the
 * servers and the mission service. `tt --version` loads none of them.
 * tests/lazy_modules.test.ts checks this table against LAZY_MODULES.
 */
import { markBundled } from "../bundled.ts";
import { main } from "../cli/main.ts";
import { type LazyModule, provideLazyModules } from "../lazy.ts";
import { fromFileUrl } from "../path.ts";

const fastPart = () => import("./fast_part.ts");
const cliPart = () => import("./cli_part.ts");
const loopPart = () => import("./loop_part.ts");
const servePart = () => import("./serve_part.ts");
const missionPart = () => import("./mission_part.ts");

const LOADERS: Record<LazyModule, () => Promise<unknown>> = {
  "src/agent/host_nudge.ts": () => fastPart().then((p) => p.agentHostNudge),
  "src/agent/agent_files.ts": () => cliPart().then((p) => p.agentAgentFiles),
  "src/agent/loop_process.ts": () => loopPart().then((p) => p.agentLoopProcess),
  "src/agent/runner.ts": () => loopPart().then((p) => p.agentRunner),
  "src/cli/agent_loop_entry.ts": () => loopPart().then((p) => p.cliAgentLoopEntry),
  "src/cli/agents.ts": () => cliPart().then((p) => p.cliAgents),
  "src/cli/app.ts": () => cliPart().then((p) => p.cliApp),
  "src/cli/backlog.ts": () => cliPart().then((p) => p.cliBacklog),
  "src/cli/conductor.ts": () => cliPart().then((p) => p.cliConductor),
  "src/cli/events.ts": () => cliPart().then((p) => p.cliEvents),
  "src/cli/logs.ts": () => cliPart().then((p) => p.cliLogs),
  "src/cli/mcp.ts": () => cliPart().then((p) => p.cliMcp),
  "src/cli/messages.ts": () => fastPart().then((p) => p.cliMessages),
  "src/cli/mission.ts": () => cliPart().then((p) => p.cliMission),
  "src/cli/plan.ts": () => cliPart().then((p) => p.cliPlan),
  "src/cli/recovery.ts": () => cliPart().then((p) => p.cliRecovery),
  "src/cli/status.ts": () => fastPart().then((p) => p.cliStatus),
  "src/cli/tasks.ts": () => fastPart().then((p) => p.cliTasks),
  "src/cli/town.ts": () => cliPart().then((p) => p.cliTown),
  "src/cli/town_start.ts": () => fastPart().then((p) => p.cliTownStart),
  "src/cli/townhall.ts": () => cliPart().then((p) => p.cliTownhall),
  "src/mcp/http.ts": () => servePart().then((p) => p.mcpHttp),
  "src/mcp/stdio.ts": () => servePart().then((p) => p.mcpStdio),
  "src/mission/service.ts": () => missionPart().then((p) => p.missionService),
  "src/redis/pubsub.ts": () => fastPart().then((p) => p.redisPubsub),
  "src/redis/server.ts": () => fastPart().then((p) => p.redisServer),
  "src/redis/server_state.ts": () => fastPart().then((p) => p.redisServerState),
  "src/service/agent_control.ts": () => cliPart().then((p) => p.serviceAgentControl),
  "src/service/agent_logs.ts": () => cliPart().then((p) => p.serviceAgentLogs),
  "src/service/agent_spawn.ts": () => cliPart().then((p) => p.serviceAgentSpawn),
  "src/service/town_init.ts": () => cliPart().then((p) => p.serviceTownInit),
  "src/service/town_list.ts": () => cliPart().then((p) => p.serviceTownList),
  "src/service/town_reset.ts": () => cliPart().then((p) => p.serviceTownReset),
  "src/service/town_stop.ts": () => cliPart().then((p) => p.serviceTownStop),
  "src/store/docket.ts": () => fastPart().then((p) => p.storeDocket),
  "src/store/hosts.ts": () => fastPart().then((p) => p.storeHosts),
  "src/store/migration.ts": () => fastPart().then((p) => p.storeMigration),
  "src/store/missions.ts": () => fastPart().then((p) => p.storeMissions),
  "src/store/reclaim.ts": () => fastPart().then((p) => p.storeReclaim),
  "src/store/snapshots.ts": () => fastPart().then((p) => p.storeSnapshots),
  "src/store/wipe.ts": () => fastPart().then((p) => p.storeWipe),
  "src/town/toml_text.ts": () => fastPart().then((p) => p.townTomlText),
  "src/townhall/rest/server.ts": () => servePart().then((p) => p.townhallRestServer),
};

markBundled(fromFileUrl(Deno.mainModule));
provideLazyModules(LOADERS);

// After the loaders are in place: the program's first lazy import may come at once.
Deno.exit(await main(Deno.args));
