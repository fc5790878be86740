/**
 * The real Claude Code CLI uses tt over MCP instead of the shell: its `--mcp-config` starts
 * `tt mcp` (stdio) as the server `tt`, and the scripted model (Anthropic Messages API on
 * 127.0.0.1) completes the assigned task by calling the `task.complete` MCP tool as Claude Code
 * presents it to the model (`mcp__tt__…`). The task ends completed, by that agent.
 */
import assert from "node:assert/strict";
import { parse, stringify } from "smol-toml";
import { realCliTest } from "./helpers/agent_clis.ts";
import {
  anthropicMcpProtocol,
  completionTool,
  offeredTools,
} from "./helpers/model_anthropic_mcp.ts";
import { SCRIPTED_RESULT, startModelServer } from "./helpers/model_server.ts";
import { spawn, waitFor } from "./fixtures/agent_town.ts";
import { realCliTown, townEvents, waitForTaskEnd, withEvidence } from "./fixtures/real_cli_town.ts";
import { ttCommand } from "./helpers/tt.ts";

/** Adds tt as an MCP server to the town's claude preset, as a user would. */
async function addTtMcp(townDir: string, cliHome: string): Promise<void> {
  // The town comes from TINYTOWN_TOWN, which the agent loop sets and Claude Code passes on.
  const [command, ...args] = ttCommand();
  const mcpConfig = `${cliHome}/tt-mcp.json`;
  await Deno.writeTextFile(
    mcpConfig,
    JSON.stringify({ mcpServers: { tt: { type: "stdio", command, args: [...args, "mcp"] } } }),
  );
  const file = `${townDir}/tinytown.toml`;
  const config = parse(await Deno.readTextFile(file)) as {
    agent_clis: Record<string, { command: string; env?: Record<string, string> }>;
  };
  const claude = config.agent_clis.claude;
  // Only this MCP config (no user or project servers).
  claude.command += ` --strict-mcp-config --mcp-config ${mcpConfig}`;
  // In --print mode Claude Code connects MCP servers in the background and may take its first
  // turn before tt's tools are there; blocking makes the first turn see them.
  claude.env = { ...claude.env, MCP_CONNECTION_NONBLOCKING: "false" };
  await Deno.writeTextFile(file, stringify(config) + "\n");
}

realCliTest(
  "claude",
  "claude: a real round completes its task through tt's MCP server",
  async () => {
    await using server = await startModelServer({
      mode: "complete",
      protocols: [anthropicMcpProtocol("tt")],
    });
    const town = await realCliTown({
      cli: "claude",
      baseUrl: server.url,
      agent: { round_timeout_secs: 300 },
    });
    try {
      await addTtMcp(town.dir, town.cliHome);
      const agent = await spawn(town, "mcclaude", "claude");
      const { task_id: taskId } = JSON.parse(
        await town.ok("assign", "mcclaude", "write the changelog", "--json"),
      ) as { task_id: string };
      const task = await waitForTaskEnd(town, "mcclaude", taskId);
      const offered = offeredTools.find((names) => completionTool(names, "tt")) ?? [];
      const shown = offered.filter((n) => n.startsWith("mcp__")).slice(0, 5).join(", ");
      console.log(`claude offered tt's tools as: ${shown}, …`);
      assert.equal(task.state, "completed", JSON.stringify(task));
      assert.equal(task.assigned_to, agent.id);
      assert.equal(task.result, SCRIPTED_RESULT);
      const calls = server.replies("tool_call");
      assert.equal(calls.length, 1);
      assert.equal(calls[0].taskId, taskId);
      // The MCP tool completed the task; claude's turn carrying the tool result comes after.
      const after = await waitFor("claude's turn after the tool call", () => {
        const turns = server.replies("final_text").filter((r) => r.seq > calls[0].seq);
        return Promise.resolve(turns.length > 0 ? turns : undefined);
      }, 60_000);
      // The tool result is tt's MCP envelope, not the CLI's text: the MCP tool did the work.
      const envelope = JSON.parse(after[0].toolResult ?? "{}");
      assert.equal(envelope.success, true, after[0].toolResult);
      assert.equal(envelope.data.task_id, taskId);
      const completed = (await townEvents(town)).find((e) =>
        e.event_type === "task_completed" && e.task_id === taskId
      );
      assert.equal(completed?.agent_id, agent.id, "completed by mcclaude through tt mcp");
    } catch (err) {
      throw await withEvidence(err, town, server.requests);
    } finally {
      await town.done();
    }
  },
);
