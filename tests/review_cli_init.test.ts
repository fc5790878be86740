/**
 * `tt init` in a folder whose socket path is too long for a Unix socket: it fails at once
 * with one line and leaves nothing behind, so a second `tt init` elsewhere is not needed.
 */
import assert from "node:assert/strict";
import { runTt } from "./helpers/tt.ts";

Deno.test("tt init refuses a town whose .tt/redis.sock path is too long, writing nothing", async () => {
  const base = await Deno.makeTempDir({ prefix: "tt-deep-" });
  const home = await Deno.makeTempDir({ prefix: "tt-home-" });
  try {
    const dir = `${base}/${"a".repeat(60)}/${"b".repeat(60)}`;
    await Deno.mkdir(dir, { recursive: true });
    const started = Date.now();
    const r = await runTt(["--town", dir, "init", "--name", "deep"], { env: { TT_HOME: home } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^error: .*too long.*\n$/);
    assert.ok(Date.now() - started < 8000, "failed fast, without waiting for redis-server");
    await assert.rejects(Deno.stat(`${dir}/tinytown.toml`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(base, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});
