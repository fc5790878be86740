/**
 * MCP benchmark: `tools/call` of `town.get_status` over Streamable HTTP against tt's MCP
 * server (3 agents in the town), p50 and p99, each against the same percentile of a bare SDK
 * server with one no-op tool behind Deno.serve, called by the same SDK client in the same run.
 * Goal: within 3x. The two sides' calls alternate one by one; the medians of the rounds'
 * percentiles are compared.
 *
 *   deno run -A bench/mcp.ts [--quick]
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Town } from "../mod.ts";
import { serveHttp } from "../src/mcp/http.ts";
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { jsonResponseTransport } from "../src/mcp/json_transport.ts";
import {
  type BenchResult,
  compare,
  formatResult,
  median,
  percentile,
  startTempRedis,
} from "./lib.ts";

export interface McpBenchOptions {
  quick?: boolean;
  log?: (line: string) => void;
}

/**
 * A bare SDK server with one no-op tool: the floor of the SDK's own HTTP path. It uses the
 * same leak-free transport as tt's server (src/mcp/json_transport.ts), so neither side's
 * collector pays for the SDK's retained responses.
 */
function bareServer(): { url: string; close(): Promise<void> } {
  const transports = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const id = req.headers.get("mcp-session-id");
    const known = id ? transports.get(id) : undefined;
    if (known) return await known.handleRequest(req);
    const mcp = new McpServer({ name: "bare", version: "1.0.0" });
    mcp.registerTool("noop", { description: "does nothing" }, () => ({
      content: [{ type: "text", text: "ok" }],
    }));
    const transport: WebStandardStreamableHTTPServerTransport = jsonResponseTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (sid: string) => transports.set(sid, transport),
    });
    await mcp.connect(transport);
    return await transport.handleRequest(req);
  });
  const addr = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    async close() {
      for (const t of transports.values()) await t.close().catch(() => {});
      await server.shutdown();
    },
  };
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "tt-bench", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return client;
}

/** One tools/call of `tool`, in microseconds. */
async function timedCall(client: Client, tool: string): Promise<number> {
  const t0 = performance.now();
  const r = await client.callTool({ name: tool, arguments: {} });
  const us = (performance.now() - t0) * 1000;
  if (r.isError) throw new Error(`${tool} failed: ${JSON.stringify(r.content)}`);
  return us;
}

/**
 * `calls` calls of each side, alternating call by call, so that both meet the same moments
 * of the machine (another process, a VM's stolen time): on a shared machine a burst of
 * stolen CPU that falls into one side's block of calls would otherwise decide its p99.
 */
async function pairedLatencies(
  a: { client: Client; tool: string },
  b: { client: Client; tool: string },
  calls: number,
): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < calls; i++) {
    out.a.push(await timedCall(a.client, a.tool));
    out.b.push(await timedCall(b.client, b.tool));
  }
  return out;
}

export async function runMcpBench(options: McpBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? (() => {});
  const rounds = options.quick ? 2 : 5;
  const calls = options.quick ? 100 : 500;
  const redis = await startTempRedis();
  const home = await Deno.makeTempDir({ prefix: "tt-bench-mcp-home-" });
  const dir = await Deno.makeTempDir({ prefix: "tt-bench-mcp-" });
  const env = { TT_HOME: home, REDIS_URL: `unix://${redis.socket}` };
  const town = await Town.init(dir, "bench-mcp", { env });
  for (const name of ["a1", "a2", "a3"]) {
    await town.spawnAgent(name, { cli: "claude", start: false });
  }
  // The limiter would refuse a benchmark's call rate; its cost is a map lookup.
  await Deno.writeTextFile(`${dir}/tinytown.toml`, "\n[townhall.rate_limit]\nenabled = false\n", {
    append: true,
  });
  const ours = await serveHttp({ town: dir, port: 0, env, log: () => {} });
  const bare = bareServer();
  const oursClient = await connect(ours.url);
  const bareClient = await connect(bare.url);
  try {
    log("MCP tools/call over Streamable HTTP...");
    // Untimed: both servers' code paths are compiled by the JIT before the first round.
    const ourSide = { client: oursClient, tool: "town.get_status" };
    const bareSide = { client: bareClient, tool: "noop" };
    await pairedLatencies(ourSide, bareSide, 500);
    const p50 = { ours: [] as number[], theirs: [] as number[] };
    const p99 = { ours: [] as number[], theirs: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      const { a, b } = await pairedLatencies(ourSide, bareSide, calls);
      p50.ours.push(percentile(a, 50));
      p50.theirs.push(percentile(b, 50));
      p99.ours.push(percentile(a, 99));
      p99.theirs.push(percentile(b, 99));
    }
    const note = `${calls} calls of town.get_status (3 agents) vs a bare SDK server's no-op ` +
      `tool, same client, calls alternating, median of ${rounds} rounds`;
    return [
      compare("MCP get_status p50", "us", median(p50.ours), median(p50.theirs), { max: 3 }, note),
      compare("MCP get_status p99", "us", median(p99.ours), median(p99.theirs), { max: 3 }),
    ];
  } finally {
    await oursClient.close();
    await bareClient.close();
    await ours.shutdown();
    await bare.close();
    await town.close();
    await redis.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const results = await runMcpBench({ quick, log: (l) => console.error(l) });
  for (const r of results) console.log(formatResult(r));
}
