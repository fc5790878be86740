/**
 * The real Claude Code CLI uses tt over MCP instead of the shell: its `--mcp-config` starts
 * `tt mcp` (stdio) as the server `tt`, and the scripted model (Anthropic Messages API on
 * 127.0.0.1) completes the assigned task by calling the `task.complete` MCP tool as Claude Code
 * presents it to the model (`mcp__tt__…`). The task ends completed, by that agent.
 */
import assert from "node:assert/strict";
import { realCliTest } from "./helpers/agent_clis.ts";
import { claudeEnv } from "./fixtures/real_cli_env.ts";
import {
  anthropicMcpProtocol,
  completionTool,
  offeredTools,
} from "./helpers/model_anthropic_mcp.ts";
import { SCRIPTED_RESULT, startModelServer } from "./helpers/model_server.ts";
import { spawn } from "./fixtures/agent_town.ts";
import {
  makeCliHome,
  realCliTown,
  townEvents,
  waitForTaskEnd,
  withEvidence,
} from "./fixtures/real_cli_town.ts";
import { ttCommand } from "./helpers/tt.ts";

realCliTest(
  "claude",
  "claude: a real round completes its task through tt's MCP server",
  async () => {
    await using server = await startModelServer({
      mode: "complete",
      protocols: [anthropicMcpProtocol("tt")],
    });
    const home = await makeCliHome();
    // The town comes from TINYTOWN_TOWN, which the agent loop sets and Claude Code passes on.
    const [command, ...args] = ttCommand();
    const mcpConfig = `${home}/tt-mcp.json`;
    await Deno.writeTextFile(
      mcpConfig,
      JSON.stringify({ mcpServers: { tt: { type: "stdio", command, args: [...args, "mcp"] } } }),
    );
    const town = await realCliTown({
      cli: "claude",
      home,
      // In --print mode Claude Code connects MCP servers in the background and may take its first
      // turn before tt's tools are there; blocking makes the first turn see them.
      env: { ...claudeEnv(server.url), MCP_CONNECTION_NONBLOCKING: "false" },
      // The preset's command plus the MCP config (only it: no user or project servers).
      command:
        `claude --print --dangerously-skip-permissions --strict-mcp-config --mcp-config ${mcpConfig}`,
      agent: { round_timeout_secs: 300 },
    });
    try {
      const agent = await spawn(town, "mcclaude", "claude");
      const { task_id: taskId } = JSON.parse(
        await town.ok("assign", "mcclaude", "write the changelog", "--json"),
      ) as { task_id: string };
      const task = await waitForTaskEnd(town, "mcclaude", taskId);
      const offered = offeredTools.find((names) => completionTool(names, "tt")) ?? [];
      console.log(
        `claude offered tt's tools as: ${
          offered.filter((n) => n.startsWith("mcp__")).slice(0, 5).join(", ")
        }, …`,
      );
      assert.equal(task.state, "completed", JSON.stringify(task));
      assert.equal(task.assigned_to, agent.id);
      assert.equal(task.result, SCRIPTED_RESULT);
      const calls = server.replies("tool_call");
      assert.equal(calls.length, 1);
      assert.equal(calls[0].taskId, taskId);
      const after = server.replies("final_text").filter((r) => r.seq > calls[0].seq);
      assert.ok(after.length >= 1);
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
