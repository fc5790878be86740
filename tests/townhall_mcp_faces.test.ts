/**
 * REST and MCP over one town answer from the same service operations: the same mailbox
 * summary, the same recover count (every agent is checked, extended.md §2.2, not only the
 * active ones), and reclaim seen from both faces.
 */
import assert from "node:assert/strict";
import { dataOf, inProcessMcp } from "./helpers/mcp.ts";
import { restHarness } from "./helpers/townhall.ts";

Deno.test("faces agree: inbox, recover and reclaim through REST and MCP on one town", async () => {
  const { host, call: callTool, close } = await inProcessMcp("faces");
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    dataOf(await callTool(name, args));
  try {
    const rest = await restHarness(host.town);
    // One agent that ended (stopped) and one just registered (starting, fresh heartbeat).
    const gone = await host.town.spawnAgent("gone", { cli: "claude", start: false });
    await host.town.channel.saveAgent({ ...(await gone.state())!, state: "stopped" });
    await host.town.spawnAgent("fresh", { cli: "claude", start: false });
    const assigned = await call("task.assign", { agent: "gone", description: "port the parser" });

    const viaRest = (await rest.call("GET", "/v1/agents/gone/inbox")).body;
    const viaMcp = await call("agent.inbox", { agent: "gone" });
    assert.equal(viaRest.total, 1);
    assert.equal(viaMcp.total_messages, viaRest.total);
    assert.equal(viaMcp.urgent_messages, viaRest.urgent);
    assert.deepEqual(
      viaMcp.messages.map(({ urgent: _, ...m }: { urgent: boolean }) => m),
      viaRest.messages,
    );
    assert.equal(viaRest.messages[0].summary, `task assignment ${assigned.task_id}`);

    const recovered = (await rest.call("POST", "/v1/recover")).body;
    assert.deepEqual(recovered, { agents: [], checked: 2, recovered: 0 });
    const mcpRecovered = await call("recovery.recover_agents");
    assert.equal(mcpRecovered.agents_checked, recovered.checked);
    assert.equal(mcpRecovered.agents_recovered, 0);

    const reclaimed = await call("recovery.reclaim_tasks", { to_backlog: true });
    assert.deepEqual(reclaimed, { destination: "Backlog", tasks_reclaimed: 1 });
    const backlog = (await rest.call("GET", "/v1/backlog")).body;
    assert.equal(backlog.count, 1);
    assert.deepEqual(
      (await rest.call("POST", "/v1/reclaim", { json: { to_backlog: true } })).body,
      { destination: "Backlog", reclaimed: 0 },
    );
  } finally {
    await close();
  }
});
