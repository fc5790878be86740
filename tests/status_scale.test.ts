/**
 * `tt status` reads a big town in a bounded number of requests (pipelined), not one per key:
 * the count for 1,000 agents and 10,000 tasks stays close to the count for an empty town, both
 * for tasks written by another tool (read in full) and once `tt migrate` has counted them.
 */
import assert from "node:assert/strict";
import { agentToHash, newAgent } from "../src/model/agent.ts";
import { newTask, taskToHash } from "../src/model/task.ts";
import { openTestStore as openStore, type TestStore as Store } from "./helpers/store.ts";
import { envFrom } from "../src/town/env.ts";
import { initTown } from "../src/service/town_init.ts";
import { townStatus } from "../src/service/town_status.ts";
import { stopTown } from "../src/service/town_stop.ts";
import { openTown } from "../src/town/town.ts";

async function populate(store: Store, agents: number, tasks: number): Promise<void> {
  const ids: string[] = [];
  let p = store.redis.pipeline();
  const flush = async () => {
    await p.execOrThrow();
    p = store.redis.pipeline();
  };
  for (let i = 0; i < agents; i++) {
    const a = { ...newAgent(`bulk-${i}`, "claude"), state: "idle" as const };
    ids.push(a.id);
    p.add("HSET", store.keys.agent(a.id), ...Object.entries(agentToHash(a).set).flat())
      .add("SADD", store.keys.agentsIndex, a.id)
      .add("RPUSH", store.keys.inbox(a.id), "not json");
    if (p.length >= 3000) await flush();
  }
  for (let i = 0; i < tasks; i++) {
    const t = {
      ...newTask(`task ${i}`),
      assignedTo: ids[i % ids.length],
      state: "running" as const,
    };
    p.add("HSET", store.keys.task(t.id), ...Object.entries(taskToHash(t).set).flat())
      .add("SADD", store.keys.tasksIndex, t.id);
    if (p.length >= 3000) await flush();
  }
  await flush();
}

Deno.test("status on 1,000 agents and 10,000 tasks uses a bounded number of requests", async () => {
  const home = await Deno.makeTempDir({ prefix: "tt-home-" });
  const dir = await Deno.makeTempDir({ prefix: "tt-town-" });
  const env = envFrom({ TT_HOME: home });
  await initTown(dir, { name: "scale", env });
  const town = await openTown(dir, { env });
  try {
    const store = openStore(town.redis, town.name);
    let before = town.redis.requestCount;
    const empty = await townStatus(town, store, { deep: true });
    const emptyRequests = town.redis.requestCount - before;
    assert.equal(empty.agents.length, 0);

    await populate(store, 1000, 10_000);
    before = town.redis.requestCount;
    const big = await townStatus(town, store, { deep: true });
    const bigRequests = town.redis.requestCount - before;
    assert.equal(big.agents.length, 1000);
    assert.equal(big.taskTotal, 10_000);
    assert.equal(big.taskCounts.running, 10_000);
    assert.equal(big.agents[0].running.length, 10);
    // Record loads go in chunks of 1,000 (10 for the tasks, 1 for the agents).
    assert.ok(
      bigRequests <= emptyRequests + 12,
      `${bigRequests} requests vs ${emptyRequests} empty`,
    );
    assert.ok(bigRequests < 40, `${bigRequests} requests`);

    // The tasks were written behind tt's back (no per-state sets): that read was the full
    // fallback. Once migrated, the counts come from the sets, with the same answer.
    await store.migration.run("scale");
    before = town.redis.requestCount;
    const counted = await townStatus(town, store, { deep: true });
    const countedRequests = town.redis.requestCount - before;
    assert.equal(counted.taskTotal, 10_000);
    assert.deepEqual(counted.taskCounts, big.taskCounts);
    assert.deepEqual(
      counted.agents[0].running.map((t) => t.id),
      big.agents[0].running.map((t) => t.id),
    );
    assert.ok(countedRequests <= emptyRequests + 2, `${countedRequests} vs ${emptyRequests} empty`);
  } finally {
    await town.close();
    await stopTown(dir, env);
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});
