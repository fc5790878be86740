/**
 * Save/restore fidelity: every byte of a value survives `tt save` + `tt restore`, including
 * text that starts with a UTF-8 byte order mark (a decoder that drops it changes the value);
 * and a forced restore replaces every key it writes, even one created after it listed them.
 */
import assert from "node:assert/strict";
import { RedisClient } from "../src/redis/mod.ts";
import { townKeys } from "../src/store/keys.ts";
import { openStore } from "../src/store/store.ts";
import { restoreTown, saveTown } from "../src/service/snapshot.ts";
import { readTownState, writeTownState } from "../src/service/snapshot_redis.ts";
import { startRedis } from "./helpers/redis.ts";

const BOM_TEXT = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]); // "\uFEFFhi"

/** A reply with bulk strings left as bytes. */
async function raw(client: RedisClient, ...cmd: (string | number)[]): Promise<unknown> {
  const [reply] = await client.pipeline().add(...cmd).execRaw();
  return reply;
}

Deno.test("save and restore keep a value that starts with a byte order mark", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    const from = townKeys("a");
    const to = townKeys("b");
    await client.command(["SET", `${from.prefix}s`, BOM_TEXT]);
    await client.command(["RPUSH", `${from.prefix}l`, BOM_TEXT]);
    await client.command(["HSET", `${from.prefix}h`, "f", BOM_TEXT]);
    // Through JSON, as `tt save` writes it and `tt restore` reads it.
    const state = JSON.parse(JSON.stringify(await readTownState(client, from, "a")));
    await writeTownState(client, to, state, []);
    assert.deepEqual(await raw(client, "GET", `${to.prefix}s`), BOM_TEXT);
    assert.deepEqual(await raw(client, "LRANGE", `${to.prefix}l`, 0, -1), [BOM_TEXT]);
    assert.deepEqual(await raw(client, "HGETALL", `${to.prefix}h`), [
      new TextEncoder().encode("f"),
      BOM_TEXT,
    ]);
  } finally {
    await client.close();
  }
});

Deno.test("restore --force replaces a key that appeared after it looked at the town", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  const dir = await Deno.makeTempDir({ prefix: "tt-restore-" });
  try {
    const store = openStore(client, "r");
    const events = store.keys.events;
    await client.command(["XADD", events, "1-1", "event_type", "saved"]);
    await client.command(["RPUSH", store.keys.backlog, "x"]);
    const file = `${dir}/state.json`;
    await saveTown(store, "r", file);
    await client.command(["DEL", events]);
    // A live agent emits an event right after restore listed the town's keys.
    const racing = new Proxy(client, {
      get(target, prop) {
        if (prop === "scanAll") {
          return async (pattern: string) => {
            const found = await target.scanAll(pattern);
            await target.command(["XADD", events, "*", "event_type", "late"]);
            return found;
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    await restoreTown({ ...store, redis: racing }, "r", file, true);
    const entries = await client.command(["XRANGE", events, "-", "+"]) as unknown[][];
    assert.deepEqual(entries.map((e) => e[0]), ["1-1"]);
    assert.deepEqual(await client.lrange(store.keys.backlog, 0, -1), ["x"]);
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});
