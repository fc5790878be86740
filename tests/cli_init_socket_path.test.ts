/**
 * `tt init` in a folder whose socket path is too long for a Unix socket: it fails at once
 * with one line and leaves nothing behind, so a second `tt init` elsewhere is not needed.
 * tt runs in process (runCli with a captured sink).
 */
import assert from "node:assert/strict";
import { makeTestTown, runTtInProcess } from "./helpers/tt.ts";

Deno.test("tt init refuses a town whose .tt/redis.sock path is too long, writing nothing", async () => {
  const base = await Deno.makeTempDir({ prefix: "tt-deep-" });
  const home = await Deno.makeTempDir({ prefix: "tt-home-" });
  try {
    const dir = `${base}/${"a".repeat(60)}/${"b".repeat(60)}`;
    await Deno.mkdir(dir, { recursive: true });
    const started = Date.now();
    const r = await runTtInProcess(["--town", dir, "init", "--name", "deep"], {
      env: { TT_HOME: home },
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^error: .*too long.*\n$/);
    assert.ok(Date.now() - started < 8000, "failed fast, without waiting for redis-server");
    await assert.rejects(Deno.stat(`${dir}/tinytown.toml`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(base, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("empty --town, --cli and messages, and a file as the town, are one-line errors", async () => {
  const town = await makeTestTown({ name: "empties", inProcess: true });
  const file = await Deno.makeTempFile();
  try {
    for (
      const [args, code] of [
        [["send", "conductor", ""], 2],
        [["spawn", "x", "--cli", ""], 2],
      ] as const
    ) {
      const r = await town.tt(...args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^error: [^\n]+\n$/);
    }
    const empty = await runTtInProcess(["--town", "", "status"], { env: town.env });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /^error: --town needs a folder/);
    const onFile = await runTtInProcess(["--town", file, "init", "-n", "f"], { env: town.env });
    assert.equal(onFile.code, 1);
    assert.match(onFile.stderr, /^error: cannot make a town at .*: it is a file\n$/);
  } finally {
    await Deno.remove(file);
    await town.tt("stop");
    await town.cleanup();
  }
});

Deno.test("tt init where tinytown.toml is a directory says so, in one line, writing nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tt-cfgdir-" });
  const home = await Deno.makeTempDir({ prefix: "tt-home-" });
  try {
    await Deno.mkdir(`${dir}/tinytown.toml`);
    const r = await runTtInProcess(["--town", dir, "init", "--name", "d"], {
      env: { TT_HOME: home },
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^error: [^\n]*tinytown\.toml there is a directory[^\n]*\n$/);
    assert.doesNotMatch(r.stderr, /already exists/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["tinytown.toml"]);
    await Deno.symlink(`${dir}/nowhere`, `${dir}/link`);
    await Deno.remove(`${dir}/tinytown.toml`);
    await Deno.rename(`${dir}/link`, `${dir}/tinytown.toml`);
    const broken = await runTtInProcess(["--town", dir, "init", "--name", "d"], {
      env: { TT_HOME: home },
    });
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /^error: [^\n]*tinytown\.toml there is a broken symbolic link/);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});
