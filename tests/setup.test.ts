/**
 * scripts/setup.ts and the redis-server version parser it shares with the product.
 * No test here may install anything: runs with a stripped PATH also set TT_SETUP_NO_INSTALL or
 * leave no package manager reachable.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  isSupportedRedisVersion,
  parseRedisVersion,
  type RedisVersion,
} from "../src/redis/version.ts";
import { planInstall, type PlatformFacts } from "../scripts/setup.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SETUP_SCRIPT = fileURLToPath(new URL("../scripts/setup.ts", import.meta.url));
// Exactly the permissions `deno task setup` grants (read from deno.json), so a need for more
// shows up here.
const TASK_PERMISSIONS: string[] = JSON.parse(
  Deno.readTextFileSync(new URL("../deno.json", import.meta.url)),
).tasks.setup.split(/\s+/).filter((word: string) => word.startsWith("--allow-"));
const ERROR_LINE =
  /^error: redis-server 7\.0\+ is required(?: \(found [^)]+\))?; install it with: \S/;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  millis: number;
}

async function runSetup(env: Record<string, string> = {}): Promise<Result> {
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...TASK_PERMISSIONS, SETUP_SCRIPT],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    millis: performance.now() - started,
  };
}

function nonEmptyLines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

function version(major: number, minor: number, patch: number, flavor = "redis"): RedisVersion {
  return { major, minor, patch, flavor } as RedisVersion;
}

Deno.test("version: parses real redis-server and valkey-server --version output", () => {
  assert.deepEqual(
    parseRedisVersion(
      "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0\n",
    ),
    version(7, 0, 15),
  );
  assert.deepEqual(
    parseRedisVersion("Redis server v=8.0.2 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64"),
    version(8, 0, 2),
  );
  assert.deepEqual(
    parseRedisVersion("Valkey server v=8.1.0 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64"),
    version(8, 1, 0, "valkey"),
  );
  assert.deepEqual(parseRedisVersion("v=6.2.6"), version(6, 2, 6));
  assert.deepEqual(parseRedisVersion("Redis server v=7.2 sha=0"), version(7, 2, 0));
});

Deno.test("version: rejects output without a usable version", () => {
  for (
    const garbage of [
      "",
      "bash: redis-server: command not found",
      "Redis server v= sha=1",
      "Redis server v=8 sha=1",
      "Redis server v=8.0-rc1 sha=1",
      "Redis server v=x.y.z",
      "Redis server rev=7.0.0 sha=1",
      "redis_version:7.0.15",
    ]
  ) {
    assert.equal(parseRedisVersion(garbage), undefined, garbage);
  }
});

Deno.test("version: 7.0 is the minimum", () => {
  assert.equal(isSupportedRedisVersion(version(7, 0, 0)), true);
  assert.equal(isSupportedRedisVersion(version(7, 2, 4)), true);
  assert.equal(isSupportedRedisVersion(version(10, 0, 0)), true);
  assert.equal(isSupportedRedisVersion(version(6, 2, 6)), false);
  assert.equal(isSupportedRedisVersion(version(6, 99, 0)), false);
});

function facts(os: string, tools: string[], isRoot: boolean, ids: string[] = []): PlatformFacts {
  return { os, isRoot, hasTool: (name) => tools.includes(name), osReleaseIds: ids };
}

Deno.test("setup: install plan per platform, with sudo only when needed", () => {
  const aptRoot = planInstall(facts("linux", ["apt-get", "sudo"], true));
  const aptInstall = ["apt-get", "install", "-y", "redis-server"];
  assert.deepEqual(aptRoot.commands, [["apt-get", "update"], aptInstall]);
  assert.equal(aptRoot.runnable, true);
  assert.equal(aptRoot.display, "apt-get update && apt-get install -y redis-server");

  const aptSudo = planInstall(facts("linux", ["apt-get", "sudo"], false));
  assert.deepEqual(aptSudo.commands.map((argv) => argv[0]), ["sudo", "sudo"]);
  assert.equal(aptSudo.runnable, true);

  const aptNoSudo = planInstall(facts("linux", ["apt-get"], false));
  assert.equal(aptNoSudo.runnable, false);
  assert.equal(aptNoSudo.display, "apt-get update && apt-get install -y redis-server");

  const dnf = planInstall(facts("linux", ["dnf"], true));
  assert.deepEqual(dnf.commands, [["dnf", "install", "-y", "redis"]]);

  const fedoraWithoutDnf = planInstall(facts("linux", [], true, ["fedora"]));
  assert.equal(fedoraWithoutDnf.runnable, false);
  assert.equal(fedoraWithoutDnf.display, "dnf install -y redis");

  const mac = planInstall(facts("darwin", ["brew"], false));
  assert.deepEqual(mac.commands, [["brew", "install", "redis"]]);
  assert.equal(mac.runnable, true);
  assert.equal(planInstall(facts("darwin", [], false)).runnable, false);

  assert.equal(planInstall(facts("windows", [], false)).runnable, false);
});

Deno.test("setup: exits 0 quickly and quietly when redis-server 7.0+ is installed", async () => {
  const result = await runSetup();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr.trim(), "");
  assert.ok(nonEmptyLines(result.stdout).length <= 1, result.stdout);
  // Generous for a loaded CI box; an install or network call would take far longer.
  assert.ok(result.millis < 5000, `took ${Math.round(result.millis)} ms`);
});

Deno.test("setup: missing redis-server with TT_SETUP_NO_INSTALL prints one error line", async () => {
  const emptyPath = await Deno.makeTempDir();
  try {
    const result = await runSetup({ PATH: emptyPath, TT_SETUP_NO_INSTALL: "1" });
    assert.equal(result.code, 1);
    const lines = nonEmptyLines(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], ERROR_LINE);
    assert.equal(result.stdout.trim(), "");
  } finally {
    await Deno.remove(emptyPath);
  }
});

Deno.test("setup: missing redis-server and no package manager prints one error line", async () => {
  // PATH holds nothing, so there is no apt-get/dnf/brew to run even with installing enabled.
  const emptyPath = await Deno.makeTempDir();
  try {
    const result = await runSetup({ PATH: emptyPath, TT_SETUP_NO_INSTALL: "" });
    assert.equal(result.code, 1);
    const lines = nonEmptyLines(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], ERROR_LINE);
    assert.equal(result.stdout.trim(), "");
  } finally {
    await Deno.remove(emptyPath);
  }
});

async function withFakeServer(
  versionLine: string,
  check: (result: Result) => void,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const fake = `${dir}/redis-server`;
    await Deno.writeTextFile(fake, `#!/bin/sh\necho '${versionLine}'\n`);
    await Deno.chmod(fake, 0o755);
    check(await runSetup({ PATH: dir, TT_SETUP_NO_INSTALL: "1" }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "setup: accepts Valkey 8.1 and refuses Redis 6.2 with the version found",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withFakeServer("Valkey server v=8.1.0 sha=00000000:0 bits=64", (result) => {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr.trim(), "");
    });
    await withFakeServer("Redis server v=6.2.6 sha=00000000:0 bits=64", (result) => {
      assert.equal(result.code, 1);
      const lines = nonEmptyLines(result.stderr);
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0], ERROR_LINE);
      assert.ok(lines[0].includes("(found 6.2.6)"), lines[0]);
    });
  },
});
