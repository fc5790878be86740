import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, NotInitializedError } from "../src/errors.ts";
import {
  defaultTownConfig,
  loadTownConfig,
  newTownConfig,
  parseTownConfig,
  saveTownConfig,
  townConfigToToml,
} from "../src/town/config.ts";
import { effectiveAgentClis, PRESET_CLI_NAMES } from "../src/town/cli_presets.ts";
import { defaultGlobalConfig } from "../src/town/global_config.ts";
import { envFrom } from "../src/town/env.ts";

const SPEC_EXAMPLE = `name = "myrepo-main"
default_cli = "claude"
max_agents = 10
use_central_redis = true
use_streams = false

[redis]
use_socket = false
socket_path = ".tt/redis.sock"
host = "127.0.0.1"
port = 16379
persist = false
aof_path = ".tt/redis.aof"
password = "tt_0123456789abcdef0123456789abcdef"
tls_enabled = false
bind = "127.0.0.1"

[townhall]
bind = "127.0.0.1"
rest_port = 8080
request_timeout_ms = 30000

[townhall.auth]
mode = "none"
api_key_scopes = []
required_scopes = []
clock_skew_seconds = 60

[townhall.tls]
enabled = false

[townhall.mtls]
enabled = false
required = false

[agent]
idle_timeout_secs = 300

[agent_clis.claude]
name = "claude"
command = "claude --print --dangerously-skip-permissions"

[agent_clis.claude.env]
`;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tt_town_config_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function configErrorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    assert.ok(!err.message.includes("\n"), `message must be one line: ${err.message}`);
    return err.message;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("a minimal file gets every default", () => {
  const c = parseTownConfig('name = "t"\n', "t.toml");
  assert.equal(c.name, "t");
  assert.equal(c.defaultCli, "claude");
  assert.equal(c.conductorCli, undefined);
  assert.equal(c.maxAgents, 10);
  assert.equal(c.useCentralRedis, false);
  assert.equal(c.useStreams, false);
  assert.deepEqual(c.redis, {
    useSocket: true,
    socketPath: ".tt/redis.sock",
    host: "127.0.0.1",
    port: 6379,
    persist: true,
    aofPath: ".tt/redis.aof",
    tlsEnabled: false,
    bind: "127.0.0.1",
  });
  assert.deepEqual(c.agent, {
    idleTimeoutSecs: 300,
    leaseSecs: 30,
    roundTimeoutSecs: 3600,
    stallTimeoutSecs: 600,
    maxFailedRounds: 3,
    maxTaskRounds: 3,
    failedRoundBackoffMs: 1000,
  });
  assert.equal(c.townhall.restPort, 8080);
  assert.equal(c.townhall.auth.mode, "none");
  assert.equal(c.townhall.auth.clockSkewSeconds, 60);
  assert.deepEqual(c.agentClis, {});
});

Deno.test("the spec's example file parses", () => {
  const c = parseTownConfig(SPEC_EXAMPLE, "tinytown.toml");
  assert.equal(c.name, "myrepo-main");
  assert.equal(c.useCentralRedis, true);
  assert.equal(c.redis.useSocket, false);
  assert.equal(c.redis.port, 16379);
  assert.equal(c.redis.password, "tt_0123456789abcdef0123456789abcdef");
  assert.equal(c.townhall.mtls.required, false);
  assert.deepEqual(c.agentClis, {
    claude: { name: "claude", command: "claude --print --dangerously-skip-permissions", env: {} },
  });
});

Deno.test("agent and redis extras parse", () => {
  const c = parseTownConfig(
    `name = "t"\nconductor_cli = "codex"\nuse_streams = true\n[agent]\nidle_timeout_secs = 42\n` +
      `lease_secs = 5\nround_timeout_secs = 600\nstall_timeout_secs = 0\nmax_failed_rounds = 1\n` +
      `max_task_rounds = 7\nfailed_round_backoff_ms = 20\n[redis]\npersist = true\nurl = "  "\n`,
    "t.toml",
  );
  assert.deepEqual(c.agent, {
    idleTimeoutSecs: 42,
    leaseSecs: 5,
    roundTimeoutSecs: 600,
    stallTimeoutSecs: 0,
    maxFailedRounds: 1,
    maxTaskRounds: 7,
    failedRoundBackoffMs: 20,
  });
  assert.equal(c.redis.persist, true);
  assert.equal(c.redis.url, undefined, "a blank url counts as absent");
  assert.equal(c.conductorCli, "codex");
  assert.equal(c.useStreams, true);
});

Deno.test("legacy CLI names are normalised on load", () => {
  const c = parseTownConfig(
    `name = "t"\ndefault_cli = "codex exec --dangerously-bypass-approvals-and-sandbox ` +
      `-m gpt-5.4-mini -c model_reasoning_effort=\\"medium\\""\n` +
      `conductor_cli = " claude --print --dangerously-skip-permissions "\n`,
    "t.toml",
  );
  assert.equal(c.defaultCli, "codex-mini");
  assert.equal(c.conductorCli, "claude");
  const empty = parseTownConfig(`name = "t"\nconductor_cli = ""\n`, "t.toml");
  assert.equal(empty.conductorCli, undefined);
});

Deno.test("bad TOML names file, line and column on one line", () => {
  const msg = configErrorMessage(() =>
    parseTownConfig('name = "t"\nmax_agents = = 3\n', "/x/tinytown.toml")
  );
  assert.match(msg, /^\/x\/tinytown\.toml:2:\d+: invalid TOML: /);
});

Deno.test("wrong types name the file, key and line", () => {
  const cases: Array<[string, RegExp]> = [
    ['name = "t"\n\nmax_agents = "ten"\n', /^f\.toml:3: 'max_agents' must be an integer/],
    ['name = "t"\n[redis]\nport = 99999\n', /^f\.toml:3: 'redis\.port' must be an integer .*99999/],
    ['name = "t"\nmax_agents = 10.0\n', /^f\.toml:2: 'max_agents' must be an integer/],
    ['name = "t"\nredis = { use_socket = "yes" }\n', /^f\.toml:2: 'redis\.use_socket' must be/],
    ['name = "t"\n[townhall.auth]\nmode = "magic"\n', /^f\.toml:3: 'townhall\.auth\.mode'/],
    ['name = "t"\n[agent_clis.x]\nname = "x"\n', /^f\.toml:2: 'agent_clis\.x' .*'command'/],
    ['name = "t"\n[agent_clis.x]\nname = "x"\ncommand = "x"\nenv = { A = 1 }\n', /A' must/],
    ['name = "t"\n[agent]\nlease_secs = 0\n', /^f\.toml:3: 'agent\.lease_secs'/],
    ['name = "t"\n[agent]\nmax_failed_rounds = 0\n', /^f\.toml:3: 'agent\.max_failed_rounds'/],
    ['name = "t"\n[agent]\nmax_task_rounds = -1\n', /^f\.toml:3: 'agent\.max_task_rounds'/],
    ['name = "t"\n[agent]\nstall_timeout_secs = "x"\n', /'agent\.stall_timeout_secs' must/],
    ["name = 5\n", /^f\.toml:1: 'name' must be a string/],
    ["max_agents = 3\n", /^f\.toml: missing required key 'name'/],
  ];
  for (const [text, pattern] of cases) {
    assert.match(configErrorMessage(() => parseTownConfig(text, "f.toml")), pattern, text);
  }
});

Deno.test("a broken command is reported at load, naming the CLI", () => {
  const msg = configErrorMessage(() =>
    parseTownConfig(`name = "t"\n[agent_clis.mine]\nname = "m"\ncommand = "tool 'oops"\n`, "f")
  );
  assert.match(msg, /agent CLI 'mine': unterminated single quote/);
});

Deno.test("loadTownConfig: missing file is NotInitializedError with the root as given", async () => {
  await withTempDir(async (dir) => {
    const root = join(dir, "nowhere");
    await assert.rejects(loadTownConfig(root), (err: unknown) => {
      assert.ok(err instanceof NotInitializedError);
      assert.equal(err.townPath, root);
      return true;
    });
  });
});

Deno.test("unknown keys and tables survive save and load", async () => {
  await withTempDir(async (dir) => {
    const text = `name = "t"\nfuture_flag = true\nmax_agents = 3\n\n[redis]\nport = 7000\n` +
      `exotic = [1, 2]\n\n[extras.deep]\nwhen = 1979-05-27T07:32:00Z\nratio = 2.5\n\n` +
      `[agent_clis.mine]\nname = "mine"\ncommand = "tool"\nnote = "keep"\n`;
    await Deno.writeTextFile(join(dir, "tinytown.toml"), text);
    const c = await loadTownConfig(dir);
    c.maxAgents = 7;
    c.redis.password = "pw";
    await saveTownConfig(dir, c);
    const again = await loadTownConfig(dir);
    assert.equal(again.maxAgents, 7);
    assert.equal(again.redis.port, 7000);
    assert.equal(again.redis.password, "pw");
    assert.equal(again.raw["future_flag"], true);
    assert.deepEqual((again.raw["redis"] as Record<string, unknown>)["exotic"], [1n, 2n]);
    const deep = (again.raw["extras"] as Record<string, Record<string, unknown>>)["deep"];
    assert.equal(deep["ratio"], 2.5);
    assert.equal(String(deep["when"]), String(new Date("1979-05-27T07:32:00Z")));
    const mine = (again.raw["agent_clis"] as Record<string, Record<string, unknown>>)["mine"];
    assert.equal(mine["note"], "keep");
    // Removing a known optional field or a CLI entry removes it from the file.
    again.redis.password = undefined;
    delete again.agentClis["mine"];
    await saveTownConfig(dir, again);
    const text3 = await Deno.readTextFile(join(dir, "tinytown.toml"));
    assert.ok(!text3.includes("password"));
    assert.ok(!text3.includes("mine"));
    assert.ok(text3.includes("future_flag = true"));
  });
});

Deno.test("newTownConfig writes init's layout in socket mode by default", () => {
  const global = defaultGlobalConfig();
  global.agentClis["zed"] = "zed --agent";
  global.agentClis["aider"] = "aider --custom";
  const c = newTownConfig("myrepo-main", global, envFrom({}));
  assert.equal(c.useCentralRedis, false);
  assert.equal(c.redis.useSocket, true);
  assert.equal(c.redis.port, 6379);
  assert.equal(c.redis.password, undefined);
  const text = townConfigToToml(c);
  const topKeys = [...text.matchAll(/^([a-z_]+) = /gm)].slice(0, 5).map((m) => m[1]);
  assert.deepEqual(topKeys, [
    "name",
    "default_cli",
    "max_agents",
    "use_central_redis",
    "use_streams",
  ]);
  const headers = [...text.matchAll(/^\[([^\]]+)\]$/gm)].map((m) => m[1]);
  const clis = headers.filter((h) => h.startsWith("agent_clis.") && !h.endsWith(".env"));
  assert.deepEqual(clis, [...PRESET_CLI_NAMES, "zed"].map((n) => `agent_clis.${n}`));
  assert.deepEqual(headers.slice(0, 6), [
    "redis",
    "townhall",
    "townhall.auth",
    "townhall.tls",
    "townhall.mtls",
    "agent",
  ]);
  assert.ok(!text.includes("password"));
  assert.ok(text.includes('command = "aider --custom"'), "global CLIs replace presets");
  // Deterministic, and readable back with every field.
  assert.equal(townConfigToToml(newTownConfig("myrepo-main", global, envFrom({}))), text);
  const back = parseTownConfig(text, "t.toml");
  assert.deepEqual({ ...back, raw: {} }, { ...c, raw: {} });
});

Deno.test("newTownConfig: central mode is opt-in and TT_USE_SOCKET forces the socket", () => {
  const global = defaultGlobalConfig();
  global.redis.useCentral = true;
  global.redis.password = "tt_secret";
  global.defaultCli = "auggie --print";
  global.conductorCli = "codex";
  const c = newTownConfig("t", global, envFrom({}));
  assert.equal(c.useCentralRedis, true);
  assert.equal(c.redis.useSocket, false);
  assert.equal(c.redis.port, 16379);
  assert.equal(c.redis.password, "tt_secret");
  assert.equal(c.defaultCli, "auggie");
  assert.equal(c.conductorCli, "codex");
  assert.match(townConfigToToml(c), /^default_cli = "auggie"\nconductor_cli = "codex"$/m);
  const forced = newTownConfig("t", global, envFrom({ TT_USE_SOCKET: "TRUE" }));
  assert.equal(forced.useCentralRedis, false);
  assert.equal(forced.redis.useSocket, true);
  assert.equal(forced.redis.password, undefined);
});

Deno.test("newTownConfig rejects an invalid name", () => {
  assert.throws(() => newTownConfig("bad name", defaultGlobalConfig()), ConfigError);
});

Deno.test("presets are always effective; file entries override them", () => {
  const none = effectiveAgentClis(defaultTownConfig("t").agentClis);
  assert.deepEqual([...none.keys()], PRESET_CLI_NAMES);
  assert.deepEqual(none.get("claude")?.argv, [
    "claude",
    "--print",
    "--dangerously-skip-permissions",
  ]);
  const c = parseTownConfig(
    `name = "t"\n[agent_clis.claude]\nname = "claude"\ncommand = "claude --model opus"\n` +
      `workdir = "sub"\nenv = { FOO = "bar" }\n[agent_clis.local]\nname = "l"\ncommand = "ollama run"\n`,
    "t.toml",
  );
  const clis = effectiveAgentClis(c.agentClis);
  assert.equal(clis.size, PRESET_CLI_NAMES.length + 1);
  assert.deepEqual(clis.get("claude"), {
    name: "claude",
    command: "claude --model opus",
    argv: ["claude", "--model", "opus"],
    workdir: "sub",
    env: { FOO: "bar" },
  });
  assert.deepEqual(clis.get("local")?.argv, ["ollama", "run"]);
});

Deno.test("[agent] failure keys save and load; an unknown [agent] key survives", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "tinytown.toml"),
      `name = "t"\n[agent]\nmax_failed_rounds = 5\nfuture_agent_key = "keep"\n`,
    );
    const c = await loadTownConfig(dir);
    assert.equal(c.agent.maxFailedRounds, 5);
    c.agent.stallTimeoutSecs = 0;
    c.agent.maxTaskRounds = 2;
    await saveTownConfig(dir, c);
    const again = await loadTownConfig(dir);
    assert.equal(again.agent.maxFailedRounds, 5);
    assert.equal(again.agent.stallTimeoutSecs, 0);
    assert.equal(again.agent.maxTaskRounds, 2);
    assert.equal(again.agent.failedRoundBackoffMs, 1000);
    assert.equal((again.raw["agent"] as Record<string, unknown>)["future_agent_key"], "keep");
    const text = await Deno.readTextFile(join(dir, "tinytown.toml"));
    assert.match(text, /^round_timeout_secs = 3600$/m);
    assert.match(text, /^stall_timeout_secs = 0$/m);
  });
});
