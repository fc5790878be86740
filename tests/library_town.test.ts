/**
 * The library's Town (mod.ts), ported from tinytown's library integration tests (the "Town"
 * group of library.md §14), against a real redis-server each.
 */
import assert from "node:assert/strict";
import { RedisClient } from "../src/redis/mod.ts";
import { ConfigError, newAgent, Town, TtError } from "../mod.ts";
import { freePort, startRedis } from "./helpers/redis.ts";
import { libTown } from "./helpers/lib_town.ts";
import { exists } from "./helpers/fs.ts";

Deno.test("init creates .tt, its agents/logs/tasks folders and tinytown.toml; name and root", async () => {
  await using t = await libTown();
  const town = await t.init("lib-init");
  for (const sub of [".tt", ".tt/agents", ".tt/logs", ".tt/tasks"]) {
    assert.ok((await Deno.stat(`${t.dir}/${sub}`)).isDirectory, sub);
  }
  assert.ok((await Deno.stat(`${t.dir}/tinytown.toml`)).isFile);
  assert.equal(town.config.name, "lib-init");
  assert.equal(town.name, "lib-init");
  assert.equal(town.root, await Deno.realPath(t.dir));
  assert.equal(town.config.redis.managed, true);
});

Deno.test("init refuses a folder that already holds a town", async () => {
  await using t = await libTown();
  await t.init("lib-twice");
  await assert.rejects(
    () => Town.init(t.dir, "lib-twice", { env: t.env }),
    (err: Error) => err instanceof TtError && /a town already exists/.test(err.message),
  );
});

Deno.test("init adds the given agent CLIs to tinytown.toml; a bad command makes nothing", async () => {
  await using t = await libTown();
  await assert.rejects(
    () => Town.init(t.dir, "lib-bad-cli", { env: t.env, agentClis: { bad: "run 'unclosed" } }),
    (err: Error) => err instanceof ConfigError && /unterminated single quote/.test(err.message),
  );
  assert.equal(await exists(`${t.dir}/tinytown.toml`), false);
  const town = await t.init("lib-cli", { agentClis: { scripted: "/bin/echo 'hello world'" } });
  assert.ok(town.config.agentClis.includes("scripted"));
  assert.match(await Deno.readTextFile(`${t.dir}/tinytown.toml`), /\[agent_clis\.scripted\]/);
  const h = await town.spawnAgent("echoer", { cli: "scripted", start: false });
  assert.equal((await h.state())?.cli, "scripted");
});

Deno.test("connect on an initialised folder gives the same town name", async () => {
  await using t = await libTown();
  await t.init("lib-connect");
  const again = await t.connect();
  assert.equal(again.config.name, "lib-connect");
  assert.equal(again.root, await Deno.realPath(t.dir));
});

Deno.test("connect starts the town's Redis when it is not running", async () => {
  await using t = await libTown();
  await (await t.init("lib-restart")).stop();
  assert.equal(await exists(`${t.dir}/.tt/redis.pid`), false);
  const town = await t.connect();
  assert.ok(await exists(`${t.dir}/.tt/redis.pid`));
  assert.deepEqual(await town.listAgents(), []);
});

Deno.test("two spawned agents come back from listAgents, names as given", async () => {
  await using t = await libTown();
  const town = await t.init();
  await town.spawnAgent("status-agent-1", { start: false });
  await town.spawnAgent("status-agent-2", { start: false });
  const names = (await town.listAgents()).map((a) => a.name).sort();
  assert.deepEqual(names, ["status-agent-1", "status-agent-2"]);
  assert.ok(names.every((n) => n.startsWith("status-agent-")));
});

Deno.test("records overwritten as working and idle are counted one each by listAgents", async () => {
  await using t = await libTown();
  const town = await t.init();
  const a = await town.spawnAgent("busy", { start: false });
  const b = await town.spawnAgent("quiet", { start: false });
  await town.channel.saveAgent({ ...(await a.state())!, state: "working" });
  await town.channel.saveAgent({ ...(await b.state())!, state: "idle" });
  const agents = await town.listAgents();
  assert.equal(agents.filter((x) => x.state === "working").length, 1);
  assert.equal(agents.filter((x) => x.state === "idle").length, 1);
});

Deno.test("a [redis] url in tinytown.toml is used as it is: nothing started, no redis.pid", async () => {
  await using redis = await startRedis();
  await using t = await libTown();
  // A town made on that server, then pointed at it by its file, as a hand-edited config is.
  await (await t.init("lib-url", { env: { REDIS_URL: redis.url } })).close();
  const toml = await Deno.readTextFile(`${t.dir}/tinytown.toml`);
  await Deno.writeTextFile(
    `${t.dir}/tinytown.toml`,
    toml.replace(/^\[redis\]$/m, `[redis]\nurl = ${JSON.stringify(redis.url)}`),
  );
  const town = await t.connect();
  assert.equal(town.config.redis.managed, false);
  const w = await town.spawnAgent("remote-worker", { start: false });
  const direct = await RedisClient.connect(redis.url);
  try {
    assert.equal(await direct.hget(`tt:lib-url:agent:${w.id}`, "name"), "remote-worker");
  } finally {
    await direct.close();
  }
  assert.equal(await exists(`${t.dir}/.tt/redis.pid`), false);
});

Deno.test("REDIS_URL in the town's env: init uses that server and starts none", async () => {
  await using redis = await startRedis();
  await using t = await libTown();
  const town = await t.init("lib-env-url", { env: { REDIS_URL: redis.url } });
  assert.equal(town.config.redis.managed, false);
  await town.channel.saveAgent(newAgent("probe", "claude"));
  const direct = await RedisClient.connect(redis.url);
  try {
    assert.equal((await direct.smembers("tt:lib-env-url:agents")).length, 1);
  } finally {
    await direct.close();
  }
  assert.equal(await exists(`${t.dir}/.tt/redis.pid`), false);
});

Deno.test("an unreachable REDIS_URL fails init with one clear line naming it", async () => {
  await using t = await libTown();
  const url = `redis://127.0.0.1:${freePort()}`;
  await assert.rejects(
    () => Town.init(t.dir, "lib-unreachable", { env: { ...t.env, REDIS_URL: url } }),
    (err: Error) =>
      err instanceof TtError && err.message.includes(`cannot connect to Redis at ${url}`) &&
      !err.message.includes("\n"),
  );
  // Nothing half-made is left that would make a retry fail with "already exists".
  assert.equal(await exists(`${t.dir}/tinytown.toml`), false);
});
