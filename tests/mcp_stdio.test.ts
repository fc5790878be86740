/**
 * The MCP server over stdio (`tt mcp`, `tt townhall mcp-stdio`): the SDK's Client spawning the
 * real process, nothing but JSON-RPC on stdout, the end at stdin EOF; and, in process, that
 * agent.wait ends when the client cancels it.
 */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { dataOf, envelope, inProcessMcp } from "./helpers/mcp.ts";
import { eventually } from "./helpers/lib_town.ts";
import { makeTestTown, runTt, ttCommand } from "./helpers/tt.ts";

Deno.test("mcp stdio: the SDK client spawns tt mcp, lists and calls tools, reads a resource", async () => {
  const town = await makeTestTown({ name: "mcp-stdio" });
  const [command, ...args] = ttCommand();
  const transport = new StdioClientTransport({
    command,
    args: [...args, "mcp"],
    cwd: town.dir,
    env: { ...Deno.env.toObject(), ...town.env, NO_COLOR: "1" },
    stderr: "pipe",
  });
  const client = new Client({ name: "tt-test", version: "1.0.0" });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    assert.equal(tools.length, 42);
    const assigned = dataOf(
      await client.callTool({
        name: "task.assign",
        arguments: { agent: "conductor", description: "review the plan" },
      }),
    );
    const pending = dataOf(
      await client.callTool({ name: "agent.inbox", arguments: { agent: "conductor" } }),
    );
    assert.equal(pending.total_messages, 1);
    assert.equal(pending.messages[0].summary, `task assignment ${assigned.task_id}`);
    const status = await client.readResource({ uri: "tinytown://town/current" });
    assert.equal(JSON.parse(String(status.contents[0].text)).name, "mcp-stdio");
    const done = dataOf(
      await client.callTool({
        name: "task.complete",
        arguments: { task_id: assigned.task_id, result: "looks good" },
      }),
    );
    assert.equal(done.status, "completed");
    assert.equal(done.result, "looks good");
  } finally {
    await client.close();
    await town.ok("stop").catch(() => {});
    await town.cleanup();
  }
});

Deno.test("mcp stdio: stdout carries only JSON-RPC lines and the server ends at stdin EOF", async () => {
  const town = await makeTestTown({ name: "mcp-stdout" });
  try {
    const lines = [
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-03-26",
          capabilities: {},
          clientInfo: { name: "t", version: "1" },
        },
      },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      "this is not JSON",
      {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "town.get_status", arguments: {} },
      },
    ].map((m) => typeof m === "string" ? m : JSON.stringify(m)).join("\n") + "\n";
    for (const argv of [["mcp"], ["townhall", "mcp-stdio"]]) {
      const r = await runTt(argv, { cwd: town.dir, env: town.env, stdin: lines });
      assert.equal(r.code, 0, r.stderr);
      const replies = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
      // The parse error is answered at once; the others in order.
      assert.deepEqual(replies.map((m) => m.id).sort(), [1, 2, null]);
      const byId = (id: number | null) => replies.find((m) => m.id === id);
      assert.equal(byId(null).error.code, -32700);
      const out = [byId(1), byId(null), byId(2)];
      assert.equal(out[0].result.serverInfo.name, "tinytown-mcp");
      assert.equal(out[0].result.capabilities.resources.subscribe, true);
      assert.equal(JSON.parse(out[2].result.content[0].text).data.name, "mcp-stdout");
      assert.match(r.stderr, /MCP server on stdio/);
    }
  } finally {
    await town.ok("stop").catch(() => {});
    await town.cleanup();
  }
});

Deno.test("mcp: agent.wait ends when the client cancels it, and honours timeout_secs", async () => {
  const { town, host, client, close } = await inProcessMcp("mcp-wait");
  try {
    await host.town.spawnAgent("waiter", { cli: "claude", start: false }); // stays `starting`
    const t0 = Date.now();
    const timed = dataOf(
      await client.callTool({
        name: "agent.wait",
        arguments: { agent: "waiter", timeout_secs: 1 },
      }),
    );
    assert.equal(timed.state, "starting");
    assert.ok(Date.now() - t0 >= 900);

    const abort = new AbortController();
    const call = client.callTool(
      { name: "agent.wait", arguments: { agent: "waiter" } },
      undefined,
      {
        signal: abort.signal,
        timeout: 600_000,
      },
    );
    setTimeout(() => abort.abort(), 200);
    await assert.rejects(call);
    // The server side ended too: its audit line (written when the handler returns) says so.
    const audit = `${town.dir}/.tt/logs/audit.jsonl`;
    const line = await eventually("the cancelled wait's audit line", async () => {
      const text = await Deno.readTextFile(audit).catch(() => "");
      return text.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((a) =>
        a.tool === "agent.wait" && a.result === "error"
      );
    }, 5_000);
    assert.equal(line.principal, "local");
    const gone = envelope(
      await client.callTool({ name: "agent.wait", arguments: { agent: "ghost", timeout_secs: 1 } }),
    );
    assert.equal(gone.success, false);
  } finally {
    await close();
  }
});
