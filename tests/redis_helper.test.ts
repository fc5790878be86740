/** The startRedis test helper other test files rely on. */
import assert from "node:assert/strict";
import { RedisClient } from "../src/redis/mod.ts";
import { startRedis, waitFor } from "./helpers/redis.ts";
import { exists } from "./helpers/fs.ts";

Deno.test("startRedis: answers at once, restart keeps the socket, stop cleans up", async () => {
  const redis = await startRedis({ tcp: true, password: "p w" });
  try {
    assert.ok(redis.socket.startsWith(redis.dir));
    assert.equal(redis.url, `unix://${redis.socket}?password=p%20w`);
    assert.equal(redis.tcpUrl, `redis://:p%20w@127.0.0.1:${redis.port}`);
    assert.equal(redis.running, true);
    const viaTcp = await RedisClient.connect(redis.tcpUrl!);
    assert.equal(await viaTcp.ping(), "PONG");
    await viaTcp.close();

    const client = await RedisClient.connect(redis.url);
    await client.set("k", "v");
    const firstPid = redis.process.pid;
    await redis.restart();
    assert.notEqual(redis.process.pid, firstPid);
    await waitFor("the old connection to break", () => !client.connected);
    await client.close();
    const again = await RedisClient.connect(redis.url);
    assert.equal(await again.get("k"), null, "nothing is persisted");
    await again.close();

    await redis.kill("SIGTERM");
    assert.equal(redis.running, false);
    await redis.restart();
    assert.equal(redis.running, true);
  } finally {
    await redis.stop();
  }
  assert.equal(redis.running, false);
  assert.equal(await exists(redis.dir), false);
  await redis.stop(); // idempotent
});

Deno.test("startRedis: a server that cannot start fails with its log and leaves nothing", async () => {
  const root = await Deno.makeTempDir();
  try {
    await assert.rejects(
      startRedis({ extraArgs: ["--no-such-option", "1"], tempRoot: root }),
      /redis-server exited during start-up:[^]*no-such-option/,
    );
    assert.deepEqual(await Array.fromAsync(Deno.readDir(root)), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
