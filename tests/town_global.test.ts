import assert from "node:assert/strict";
import { join } from "node:path";
import { exists } from "./helpers/fs.ts";
import { ConfigError } from "../src/errors.ts";
import { envFrom } from "../src/town/env.ts";
import {
  defaultGlobalConfig,
  generateRedisPassword,
  getGlobalValue,
  globalConfigDir,
  globalConfigPath,
  loadGlobalConfig,
  loadOrInitGlobalConfig,
  saveGlobalConfig,
  setGlobalValue,
} from "../src/town/global_config.ts";
import { listRegisteredTowns, registerTown, registryPath } from "../src/town/registry.ts";

async function withTtHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "tt_home_" });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("global dir: TT_HOME, then XDG_CONFIG_HOME/tt, then ~/.tt", () => {
  const all = { TT_HOME: "/a", XDG_CONFIG_HOME: "/x", HOME: "/h" };
  assert.equal(globalConfigDir(envFrom(all)), "/a");
  assert.equal(globalConfigDir(envFrom({ ...all, TT_HOME: "" })), "/x/tt");
  assert.equal(globalConfigDir(envFrom({ HOME: "/h" })), "/h/.tt");
  assert.equal(globalConfigPath(envFrom({ HOME: "/h" })), "/h/.tt/config.toml");
  assert.throws(() => globalConfigDir(envFrom({})), ConfigError);
});

Deno.test("global config: missing file gives defaults and writes nothing", async () => {
  await withTtHome(async (home) => {
    const env = envFrom({ TT_HOME: join(home, "tt") });
    const c = await loadGlobalConfig(env);
    assert.equal(c.defaultCli, "claude");
    assert.equal(c.conductorCli, undefined);
    assert.deepEqual(c.agentClis, {});
    assert.deepEqual(c.redis, { host: "127.0.0.1", port: 16379, useCentral: false });
    assert.equal(await exists(join(home, "tt")), false);
    // Socket mode is the default, so init needs no password and writes nothing either.
    const init = await loadOrInitGlobalConfig(env);
    assert.equal(init.redis.password, undefined);
    assert.equal(await exists(join(home, "tt")), false);
  });
});

Deno.test("global config: get/set round trip through the file", async () => {
  await withTtHome(async (home) => {
    const env = envFrom({ TT_HOME: home });
    const c = await loadGlobalConfig(env);
    assert.equal(getGlobalValue(c, "conductor_cli"), "claude", "falls back to default_cli");
    assert.equal(getGlobalValue(c, "redis.password"), undefined);
    assert.equal(getGlobalValue(c, "agent_clis.mine"), undefined);
    setGlobalValue(c, "default_cli", "codex");
    setGlobalValue(c, "conductor_cli", "auggie");
    setGlobalValue(c, "redis.host", "10.1.2.3");
    setGlobalValue(c, "redis.port", "6400");
    setGlobalValue(c, "redis.password", "pw");
    setGlobalValue(c, "redis.use_central", "true");
    setGlobalValue(c, "agent_clis.mine", "my-tool --x");
    setGlobalValue(c, "agent_clis.a.b", "dotted");
    await saveGlobalConfig(c, env);
    const back = await loadGlobalConfig(env);
    const expected: Record<string, string> = {
      default_cli: "codex",
      conductor_cli: "auggie",
      "redis.host": "10.1.2.3",
      "redis.port": "6400",
      "redis.password": "pw",
      "redis.use_central": "true",
      "agent_clis.mine": "my-tool --x",
      "agent_clis.a.b": "dotted",
    };
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(getGlobalValue(back, key), value, key);
    }
    const text = await Deno.readTextFile(join(home, "config.toml"));
    assert.match(text, /^default_cli = "codex"$/m);
    assert.match(text, /^\[redis\]\nhost = "10\.1\.2\.3"\nport = 6400\n/m);
  });
});

Deno.test("global config: bad keys and values are ConfigErrors", () => {
  const c = defaultGlobalConfig();
  const bad: Array<[string, string, RegExp]> = [
    ["nope", "x", /unknown config key: nope/],
    ["redis.port", "0", /invalid port/],
    ["redis.port", "65536", /invalid port/],
    ["redis.port", "80a", /invalid port/],
    ["redis.use_central", "yes", /invalid boolean/],
    ["agent_clis.", "x", /needs a CLI name/],
  ];
  for (const [key, value, pattern] of bad) {
    assert.throws(() => setGlobalValue(c, key, value), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, pattern);
      return true;
    }, `${key}=${value}`);
  }
  assert.throws(() => getGlobalValue(c, "redis.nope"), ConfigError);
  assert.deepEqual(c, defaultGlobalConfig(), "failed sets change nothing");
});

Deno.test("global config: bad TOML names file and line; wrong types too", async () => {
  await withTtHome(async (home) => {
    const env = envFrom({ TT_HOME: home });
    await Deno.writeTextFile(join(home, "config.toml"), 'default_cli = "x"\n[redis\n');
    await assert.rejects(loadGlobalConfig(env), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, new RegExp(`^${join(home, "config.toml")}:2:\\d+: invalid TOML`));
      return true;
    });
    await Deno.writeTextFile(join(home, "config.toml"), "[redis]\nuse_central = 1\n");
    await assert.rejects(loadGlobalConfig(env), /config\.toml:2: 'redis\.use_central' must be/);
  });
});

Deno.test("global config: legacy names normalise; init persists them and central passwords", async () => {
  await withTtHome(async (home) => {
    const env = envFrom({ TT_HOME: home });
    const file = join(home, "config.toml");
    await Deno.writeTextFile(
      file,
      'default_cli = "auggie --print"\nkeep_me = 1\n\n[redis]\nuse_central = true\n',
    );
    const loaded = await loadGlobalConfig(env);
    assert.equal(loaded.defaultCli, "auggie");
    assert.match(await Deno.readTextFile(file), /auggie --print/, "load does not write");
    const init = await loadOrInitGlobalConfig(env);
    assert.match(init.redis.password ?? "", /^tt_[0-9a-f]{32}$/);
    const text = await Deno.readTextFile(file);
    assert.match(text, /^default_cli = "auggie"$/m);
    assert.match(text, /^keep_me = 1$/m);
    assert.ok(text.includes(init.redis.password!));
    const again = await loadOrInitGlobalConfig(env);
    assert.equal(again.redis.password, init.redis.password, "password is stable");
  });
  assert.notEqual(generateRedisPassword(), generateRedisPassword());
});

Deno.test("XDG_CONFIG_HOME is used when TT_HOME is unset", async () => {
  await withTtHome(async (xdg) => {
    const env = envFrom({ XDG_CONFIG_HOME: xdg, HOME: "/nonexistent-home" });
    const c = defaultGlobalConfig();
    c.defaultCli = "gemini";
    await saveGlobalConfig(c, env);
    assert.ok(await exists(join(xdg, "tt", "config.toml")));
    assert.equal((await loadGlobalConfig(env)).defaultCli, "gemini");
    await registerTown(xdg, "x", env);
    assert.equal(registryPath(env), join(xdg, "tt", "towns.toml"));
    assert.equal((await listRegisteredTowns(env)).length, 1);
  });
});

Deno.test("registry: register, rename in place, append, list", async () => {
  await withTtHome(async (home) => {
    const env = envFrom({ TT_HOME: join(home, "global") });
    assert.deepEqual(await listRegisteredTowns(env), []);
    const townA = join(home, "a");
    const townB = join(home, "b");
    await Deno.mkdir(townA);
    const realA = await Deno.realPath(townA);
    const first = await registerTown(join(townA, "."), "alpha", env);
    assert.deepEqual(first, { path: realA, name: "alpha" });
    await registerTown(townB, "beta", env); // does not exist: kept as the resolved path
    await registerTown(townA, "alpha2", env);
    assert.deepEqual(await listRegisteredTowns(env), [
      { path: realA, name: "alpha2" },
      { path: townB, name: "beta" },
    ]);
    const text = await Deno.readTextFile(registryPath(env));
    assert.match(text, /^\[\[towns\]\]\npath = ".*"\nname = "alpha2"\n/);
    const leftovers = [...Deno.readDirSync(join(home, "global"))].map((e) => e.name).sort();
    assert.deepEqual(leftovers, ["towns.toml", "towns.toml.lock"], "no temp files left behind");
  });
});

Deno.test("registry: empty forms mean no towns; a bad file is a ConfigError", async () => {
  await withTtHome(async (home) => {
    const env = envFrom({ TT_HOME: home });
    const file = join(home, "towns.toml");
    for (const text of ["", "towns = []\n"]) {
      await Deno.writeTextFile(file, text);
      assert.deepEqual(await listRegisteredTowns(env), []);
    }
    await Deno.writeTextFile(file, "[[towns]]\npath = 3\n");
    await assert.rejects(listRegisteredTowns(env), /towns\.toml:2: 'towns\.path' must be a string/);
    await Deno.writeTextFile(file, "[[towns\n");
    await assert.rejects(listRegisteredTowns(env), ConfigError);
    await assert.rejects(registerTown(home, "x", env), ConfigError);
    assert.equal(await Deno.readTextFile(file), "[[towns\n", "a bad file is not overwritten");
  });
});
