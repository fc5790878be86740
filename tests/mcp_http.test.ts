/**
 * The MCP server over Streamable HTTP, driven by the SDK's own Client: every tool group,
 * resources, prompts, a resource subscription that receives an update, the Origin rule, and
 * that agent.spawn starts a real agent loop that completes its task.
 */
import assert from "node:assert/strict";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { serveHttp } from "../src/mcp/http.ts";
import { dataOf, envelope, httpClient } from "./helpers/mcp.ts";
import { eventually, probeCli } from "./helpers/lib_town.ts";
import { makeTestTown } from "./helpers/tt.ts";

// The SDK's declarations do not resolve under Deno's npm types: results are typed loosely here.
interface ToolInfo {
  name: string;
  annotations?: { readOnlyHint?: boolean };
  inputSchema: { required?: string[] };
}

/** Appends TOML to the town's tinytown.toml (a table the file does not have yet). */
export async function appendToml(dir: string, toml: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/tinytown.toml`, `\n${toml}\n`, { append: true });
}

async function withServer(
  fn: (url: string, town: Awaited<ReturnType<typeof makeTestTown>>) => Promise<void>,
) {
  const town = await makeTestTown({ name: "mcp-http" });
  const logs: string[] = [];
  let server: Awaited<ReturnType<typeof serveHttp>> | undefined;
  try {
    // The spawn test polls; the limiter itself is covered by the security tests.
    await appendToml(town.dir, "[townhall.rate_limit]\nenabled = false");
    server = await serveHttp({ town: town.dir, port: 0, env: town.env, log: (l) => logs.push(l) });
    await fn(server.url, town);
  } finally {
    await server?.shutdown();
    await town.ok("stop").catch(() => {});
    await town.cleanup();
  }
}

Deno.test("mcp http: tools, resources, prompts and a subscription over the SDK client", async () => {
  await withServer(async (url) => {
    const c = await httpClient(url);
    try {
      const { tools } = await c.client.listTools();
      assert.equal(tools.length, 42);
      const names = (tools as ToolInfo[]).map((t) => t.name);
      assert.deepEqual(names, [...names].sort());
      for (const n of ["town.get_status", "agent.inbox", "task.complete", "mission.start"]) {
        assert.ok(names.includes(n), n);
      }
      const byName = new Map((tools as ToolInfo[]).map((t) => [t.name, t]));
      assert.equal(byName.get("town.get_status")!.annotations?.readOnlyHint, true);
      assert.equal(byName.get("agent.wait")!.annotations?.readOnlyHint, true);
      assert.equal(byName.get("task.assign")!.annotations, undefined);
      assert.deepEqual(byName.get("agent.inbox")!.inputSchema.required, ["agent"]);

      // Read group.
      const status = dataOf(await c.client.callTool({ name: "town.get_status", arguments: {} }));
      assert.equal(status.name, "mcp-http");
      assert.equal(status.agent_count, 0);
      assert.deepEqual(Object.keys(status), ["agent_count", "agents", "name", "redis_url", "root"]);

      // Write group: backlog, then an error envelope (not an MCP error).
      const added = dataOf(
        await c.client.callTool({
          name: "backlog.add",
          arguments: { description: "write docs", tags: ["docs"] },
        }),
      );
      const listed = dataOf(await c.client.callTool({ name: "backlog.list", arguments: {} }));
      assert.deepEqual(listed, [{
        description: "write docs",
        tags: ["docs"],
        task_id: added.task_id,
      }]);
      const bad = await c.client.callTool({
        name: "task.assign",
        arguments: { agent: "ghost", description: "x" },
      });
      assert.equal(bad.isError ?? false, false);
      const e = envelope(bad);
      assert.equal(e.success, false);
      assert.match(e.error!, /ghost/);
      assert.equal("data" in e, false);

      // Mission tools run over the mission service (tests/mcp_missions.test.ts has the rest).
      const m = dataOf(await c.client.callTool({ name: "mission.list", arguments: {} }));
      assert.deepEqual(m, { count: 0, missions: [] });

      // Resources and templates.
      const { resources } = await c.client.listResources();
      assert.deepEqual((resources as { uri: string }[]).map((r) => r.uri).sort(), [
        "tinytown://agents",
        "tinytown://backlog",
        "tinytown://missions",
        "tinytown://town/current",
      ]);
      const { resourceTemplates } = await c.client.listResourceTemplates();
      assert.equal(resourceTemplates.length, 3);
      const backlog = await c.client.readResource({ uri: "tinytown://backlog" });
      assert.equal(backlog.contents[0].mimeType, "text/plain");
      assert.equal(JSON.parse(String(backlog.contents[0].text))[0].task_id, added.task_id);
      const task = await c.client.readResource({ uri: `tinytown://tasks/${added.task_id}` });
      assert.equal(JSON.parse(String(task.contents[0].text)).description, "write docs");
      const ghost = await c.client.readResource({ uri: "tinytown://agents/ghost" });
      assert.equal(ghost.contents[0].text, "Error: Agent not found: ghost");

      // Prompts.
      const { prompts } = await c.client.listPrompts();
      assert.deepEqual((prompts as { name: string }[]).map((p) => p.name).sort(), [
        "agent.role_hint",
        "conductor.startup_context",
      ]);
      const ctx = await c.client.getPrompt({ name: "conductor.startup_context" });
      const ctxText = (ctx.messages[0].content as { text: string }).text;
      assert.match(ctxText, /Town: mcp-http/);
      assert.match(ctxText, /write docs \[docs\]/);
      const hint = await c.client.getPrompt({
        name: "agent.role_hint",
        arguments: { agent_name: "api-backend", tags: "db, api" },
      });
      const hintText = (hint.messages[0].content as { text: string }).text;
      assert.match(hintText, /backend/);
      assert.match(hintText, /Tag Filters/);

      // A subscription gets an update when the town changes (driven by the event stream).
      const updates: string[] = [];
      c.client.setNotificationHandler(
        ResourceUpdatedNotificationSchema,
        (n: { params: { uri: string } }) => {
          updates.push(n.params.uri);
        },
      );
      await c.client.subscribeResource({ uri: "tinytown://backlog" });
      await c.client.callTool({
        name: "backlog.claim",
        arguments: { task_id: added.task_id, agent: "conductor" },
      }).then((r: { content: unknown }) =>
        assert.equal(envelope(r).success, true, envelope(r).error)
      );
      await eventually("a resources/updated notification", () => updates.length > 0);
      assert.equal(updates[0], "tinytown://backlog");
      await c.client.unsubscribeResource({ uri: "tinytown://backlog" });
    } finally {
      await c.close();
    }
  });
});

Deno.test("mcp http: agent.spawn starts a real loop that completes its task; kill, wait", async () => {
  await withServer(async (url) => {
    const c = await httpClient(url);
    try {
      const spawned = dataOf(
        await c.client.callTool({
          name: "agent.spawn",
          arguments: { name: "worker-1", cli: probeCli("--complete") },
        }),
      );
      assert.equal(spawned.name, "worker-1");
      const assigned = dataOf(
        await c.client.callTool({
          name: "task.assign",
          arguments: { agent: "worker-1", description: "say hi" },
        }),
      );
      assert.equal(assigned.agent_id, spawned.agent_id);
      const result = await eventually("the task completed by the loop", async () => {
        const d = dataOf(
          await c.client.callTool({ name: "agent.get_result", arguments: { agent: "worker-1" } }),
        );
        return d.task_id ? d : undefined;
      }, 60_000);
      assert.equal(result.task_id, assigned.task_id);
      const open = dataOf(await c.client.callTool({ name: "agent.list_open", arguments: {} }));
      assert.equal(open.length, 1);
      assert.equal(open[0].tasks_completed, 1);

      // A cancelled agent.wait: its own HTTP response ends with a "cancelled" error.
      const headers = {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": c.transport.sessionId!,
        "mcp-protocol-version": "2025-03-26",
      };
      const waiting = fetch(`${url}/mcp`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 777,
          method: "tools/call",
          params: { name: "agent.wait", arguments: { agent: "worker-1" } },
        }),
      });
      // The cancel may overtake the call (another connection): repeat it until the call ends.
      const answered = waiting.then((r) => r.json());
      const answer = await eventually("the cancelled call's answer", async () => {
        const cancel = await fetch(`${url}/mcp`, {
          method: "POST",
          headers,
          body: JSON.stringify({
            jsonrpc: "2.0",
            method: "notifications/cancelled",
            params: { requestId: 777, reason: "test" },
          }),
        });
        assert.equal(cancel.status, 202);
        await cancel.body?.cancel();
        return await Promise.race([
          answered,
          new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)),
        ]);
      }, 10_000);
      assert.deepEqual(answer, {
        jsonrpc: "2.0",
        id: 777,
        error: { code: -32800, message: "Request cancelled" },
      });

      const killed = dataOf(
        await c.client.callTool({ name: "agent.kill", arguments: { agent: "worker-1" } }),
      );
      assert.deepEqual(killed, { agent: "worker-1", status: "stopped" });
      const waited = dataOf(
        await c.client.callTool({
          name: "agent.wait",
          arguments: { agent: "worker-1", timeout_secs: 30 },
        }),
      );
      assert.equal(waited.state, "stopped");
      const pruned = dataOf(await c.client.callTool({ name: "agent.prune", arguments: {} }));
      assert.equal(pruned.removed, 1);
      const rec = dataOf(
        await c.client.callTool({ name: "recovery.recover_agents", arguments: {} }),
      );
      assert.equal(rec.agents_recovered, 0);
    } finally {
      await c.close();
    }
  });
});

Deno.test("mcp http: a cross-origin request is refused; /health answers", async () => {
  await withServer(async (url) => {
    const res = await fetch(`${url}/mcp`, {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(res.status, 403);
    assert.equal(await res.text(), "Cross-origin requests not allowed");
    const local = await fetch(`${url}/health`, { headers: { origin: "http://localhost:3000" } });
    assert.equal(local.status, 200);
    await local.body?.cancel();
    const noSession = await fetch(`${url}/`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(noSession.status, 400);
    await noSession.body?.cancel();
  });
});
