/**
 * A town's redis-server that dies without a clean shutdown: with the default AOF
 * (`[redis] persist = true`) the next command brings the data back, and whenever tt restarts
 * a crashed server it says so on stderr, naming what may have been lost. A town that turns
 * persistence on keeps the data of its RDB snapshot.
 */
import assert from "node:assert/strict";
import { Town } from "../mod.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { waitFor } from "./helpers/redis.ts";
import { type TestTown, withTestTown } from "./helpers/tt.ts";

async function serverPid(town: TestTown): Promise<number> {
  return Number((await Deno.readTextFile(`${town.dir}/.tt/redis.pid`)).trim());
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

async function killServer(town: TestTown): Promise<number> {
  const pid = await serverPid(town);
  Deno.kill(pid, "SIGKILL");
  await waitFor("the server to die", () => !alive(pid));
  return pid;
}

/** True once `text` is in the AOF's files (written: a SIGKILL of the server cannot lose it). */
async function inAof(town: TestTown, text: string): Promise<boolean> {
  const dir = `${town.dir}/.tt/appendonlydir`;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.name.endsWith(".aof")) continue;
      // A rewrite may remove a file between the listing and the read.
      if ((await Deno.readTextFile(`${dir}/${e.name}`).catch(() => "")).includes(text)) {
        return true;
      }
    }
  } catch {
    // not created yet
  }
  return false;
}

async function setPersist(town: TestTown, persist: boolean): Promise<void> {
  const file = `${town.dir}/tinytown.toml`;
  const text = await Deno.readTextFile(file);
  const next = text.replace(/^persist = (true|false)$/m, `persist = ${persist}`);
  assert.match(next, new RegExp(`^persist = ${persist}$`, "m"));
  await Deno.writeTextFile(file, next);
}

/** A fresh town, cleaned up (its redis-server killed) afterwards. */
const withTown = (fn: (town: TestTown) => Promise<void>) => withTestTown({}, fn);

Deno.test("crash: with the default AOF the data comes back, and stderr says what happened", async () => {
  await withTown(async (town) => {
    assert.match(await Deno.readTextFile(`${town.dir}/tinytown.toml`), /^persist = true$/m);
    await town.ok("backlog", "add", "survives the crash 7f3a");
    await waitFor("the write to reach the AOF", () => inAof(town, "survives the crash 7f3a"));
    const pid = await killServer(town);

    const r = await town.tt("backlog", "list");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /survives the crash 7f3a/);
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      new RegExp(
        `^warning: the town's redis-server had stopped without a clean shutdown \\(pid ${pid}\\); ` +
          "restarted it from its append-only file; writes of the last second",
      ),
    );
    // Only the command that restarted it says so.
    const again = await town.tt("backlog", "list");
    assert.equal(again.stderr, "");
  });
});

Deno.test("crash: without persistence, a restart from the RDB snapshot or from nothing is told", async () => {
  await withTown(async (town) => {
    await setPersist(town, false);
    await town.ok("stop");
    // Nothing saved yet: no snapshot, no AOF.
    await Deno.remove(`${town.dir}/.tt/dump.rdb`);
    await Deno.remove(`${town.dir}/.tt/appendonlydir`, { recursive: true });
    await town.ok("start");
    await town.ok("backlog", "add", "never saved");
    await killServer(town);
    const empty = await town.tt("backlog", "list");
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stderr, /^warning: .*without a clean shutdown .*no saved data was found/);

    await town.ok("backlog", "add", "in the snapshot");
    await town.ok("stop"); // SHUTDOWN SAVE writes dump.rdb
    const savedAt = (await Deno.stat(`${town.dir}/.tt/dump.rdb`)).mtime!;
    await town.ok("start");
    await town.ok("backlog", "add", "after the snapshot");
    await killServer(town);
    const r = await town.tt("backlog", "list");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /in the snapshot/);
    assert.doesNotMatch(r.stdout, /after the snapshot/);
    assert.match(
      r.stderr,
      new RegExp(`restarted it from the RDB snapshot of ${savedAt.toISOString()}; writes after`),
    );
  });
});

Deno.test("crash: a stale pid file alone (socket gone) still counts; tt start --json keeps stdout clean", async () => {
  await withTown(async (town) => {
    await killServer(town);
    await Deno.remove(`${town.dir}/.tt/redis.sock`);
    const r = await town.tt("start", "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).started, true);
    assert.match(r.stderr, /^warning: the town's redis-server had stopped without a clean/);
  });
});

Deno.test("crash: the library's Town.connect reports the restart in warnings", async () => {
  await withTown(async (town) => {
    const clean = await Town.connect(town.dir, { env: town.env });
    assert.deepEqual(clean.warnings, []);
    await clean.close();
    const pid = await killServer(town);
    const t = await Town.connect(town.dir, { env: town.env });
    try {
      assert.equal(t.warnings.length, 1, t.warnings.join("\n"));
      assert.match(t.warnings[0], new RegExp(`without a clean shutdown \\(pid ${pid}\\)`));
    } finally {
      await t.close();
    }
  });
});

Deno.test("turning persist on keeps the RDB's data, and the AOF takes over", async () => {
  await withTown(async (town) => {
    await setPersist(town, false);
    await town.ok("stop");
    await Deno.remove(`${town.dir}/.tt/appendonlydir`, { recursive: true }).catch(() => {});
    await town.ok("start");
    await town.ok("backlog", "add", "kept across the switch");
    await town.ok("stop");
    await setPersist(town, true);
    const r = await town.tt("start");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "", "a clean stop and start warns of nothing");
    assert.match(await town.ok("backlog", "list"), /kept across the switch/);
    const client = await RedisClient.connect(`unix://${town.dir}/.tt/redis.sock`);
    try {
      const reply = await client.command(["CONFIG", "GET", "appendonly"]) as string[];
      assert.equal(reply[1], "yes");
      // Redis writes the AOF's base from memory in the background; once done, a crash loses
      // nothing.
      await waitFor("the AOF rewrite to finish", async () => {
        const info = await client.info("persistence");
        return info["aof_enabled"] === "1" && info["aof_rewrite_in_progress"] === "0" &&
          info["aof_rewrite_scheduled"] === "0" && info["aof_last_bgrewrite_status"] === "ok";
      }, 20_000);
    } finally {
      await client.close();
    }
    await killServer(town);
    const after = await town.tt("backlog", "list");
    assert.match(after.stdout, /kept across the switch/);
    assert.match(after.stderr, /restarted it from its append-only file/);
  });
});
