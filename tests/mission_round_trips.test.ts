/**
 * A dispatcher tick's Redis round trips are bounded per mission: 50 active missions of 20
 * items each cost a constant number of shared reads plus one write per mission — not one
 * read per item, watch or note.
 */
import assert from "node:assert/strict";
import { seedMissions } from "../bench/mission_seed.ts";
import { dispatcher } from "../src/mission/service.ts";
import { ghRunner } from "../src/mission/gh.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { openStore } from "../src/store/store.ts";
import { startRedis } from "./helpers/redis.ts";

Deno.test("mission tick: round trips per mission are bounded", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    const store = openStore(client, "rt");
    const counts = new Map<number, number>();
    for (const n of [10, 50]) {
      await client.command(["FLUSHALL"]);
      await seedMissions(store, { missions: n, items: 20 });
      const env = { store, root: "/", gh: ghRunner("/nonexistent/gh") };
      await dispatcher(env).tick(); // the first tick settles blocked reasons once
      const before = client.requestCount;
      const r = await dispatcher(env).tick();
      counts.set(n, client.requestCount - before);
      assert.equal(r.claimed.length, n);
      assert.equal(r.assigned, 0, "steady state: nothing to hand out");
      assert.equal(r.watchesProcessed, 0, "no watch is due");
    }
    const perMission = (counts.get(50)! - counts.get(10)!) / 40;
    console.log(`round trips per tick: ${JSON.stringify([...counts])}`);
    assert.ok(perMission <= 1, `per-mission round trips ${perMission} (${[...counts]})`);
    assert.ok(counts.get(50)! <= 50 + 10, `total ${counts.get(50)}`);
  } finally {
    await client.close();
  }
});
