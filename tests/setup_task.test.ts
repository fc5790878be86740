/**
 * `deno task setup` exactly as deno.json runs it (its own permission flags), on a machine
 * without redis-server: as root and without sudo it must run the apt-get install itself and
 * then succeed. apt-get is a recording stand-in (tests/fixtures/setup_apt_get.sh) and PATH
 * holds nothing else but `chmod` for it, so nothing real is installed.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { findOnPath } from "./helpers/fs.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FAKE_APT = fileURLToPath(new URL("./fixtures/setup_apt_get.sh", import.meta.url));

function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

Deno.test({
  name: "setup task: as root without sudo and without redis-server, installs it with apt-get",
  ignore: Deno.build.os !== "linux" || !isRoot(),
  fn: async () => {
    const setupTask = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks.setup;
    assert.match(setupTask, /^deno run .*scripts\/setup\.ts$/, "the task this test is about");

    const dir = await Deno.makeTempDir({ prefix: "tt-setup-" });
    try {
      const bin = `${dir}/bin`; // apt-get, and later the redis-server it "installs"
      const tools = `${dir}/tools`; // what the stand-in needs, and nothing else
      await Deno.mkdir(bin);
      await Deno.mkdir(tools);
      await Deno.writeTextFile(`${bin}/apt-get`, await Deno.readTextFile(FAKE_APT));
      await Deno.chmod(`${bin}/apt-get`, 0o755);
      await Deno.symlink(findOnPath("chmod"), `${tools}/chmod`);
      const log = `${dir}/apt.log`;

      const out = await new Deno.Command(Deno.execPath(), {
        args: ["task", "setup"],
        cwd: ROOT,
        env: {
          NO_COLOR: "1",
          PATH: `${bin}:${tools}`,
          TT_SETUP_NO_INSTALL: "",
          TT_FAKE_APT_LOG: log,
          TT_FAKE_APT_BIN: bin,
        },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      const calls = (await Deno.readTextFile(log).catch(() => "")).trim().split("\n");

      assert.deepEqual(calls, [
        "uid=0 frontend=noninteractive args=update",
        "uid=0 frontend=noninteractive args=install -y redis-server",
      ], `apt-get calls; stdout:\n${stdout}\nstderr:\n${stderr}`);
      assert.equal(out.code, 0, stderr);
      assert.ok(stdout.includes("$ apt-get update\n"), stdout);
      assert.ok(stdout.includes("$ apt-get install -y redis-server\n"), stdout);
      assert.ok(!/sudo/.test(stdout + stderr), "no sudo anywhere");
      assert.ok(stdout.includes("installed redis 7.2.4"), stdout);
      assert.ok(!stderr.includes("error:"), stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
