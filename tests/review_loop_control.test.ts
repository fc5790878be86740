/**
 * Review: `tt interrupt` / `tt close` / `tt resume` racing the agent loop's own state writes.
 * Each command reads the record, then writes a new state; when the loop ends in between (max
 * rounds, idle timeout: it writes `stopped` or `cold` and exits), the command must not put a
 * live-looking state (`paused`, `draining`, `idle`) on an agent that has no loop any more —
 * `tt restart` would then refuse it ("still paused") and nothing would ever end that state.
 */
import assert from "node:assert/strict";
import { closeAgent, interruptAgent, resumeAgent } from "../src/service/agent_control.ts";
import { type Agent, type AgentState, newAgent } from "../src/model/agent.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { openStore, type Store } from "../src/store/store.ts";
import { startRedis } from "./helpers/redis.ts";

/** A store whose resolveAgent lets the loop write `loopWrites` right after the command read. */
function racingStore(store: Store, loopWrites: AgentState): Store {
  const agents = Object.create(store.agents) as Store["agents"];
  agents.resolveAgent = async (ref: string, why?: string) => {
    const agent = await store.agents.resolveAgent(ref, why);
    await store.redis.hset(store.keys.agent(agent.id), { state: loopWrites });
    return agent;
  };
  return { ...store, agents };
}

const cases: [string, AgentState, AgentState, (s: Store, ref: string) => Promise<unknown>][] = [
  ["interrupt", "idle", "stopped", interruptAgent],
  ["close", "working", "cold", closeAgent],
  ["resume", "paused", "stopped", resumeAgent],
];

for (const [command, before, loopWrites, run] of cases) {
  Deno.test(`${command} racing the loop's final ${loopWrites}: the final state stays`, async () => {
    await using redis = await startRedis();
    const client = await RedisClient.connect(redis.url);
    try {
      const store = openStore(client, "race");
      const agent: Agent = { ...newAgent("rita", "claude"), state: before };
      await store.agents.create(agent, 0);
      await run(racingStore(store, loopWrites), agent.id).catch(() => {});
      assert.equal((await store.agents.get(agent.id))?.state, loopWrites);
    } finally {
      await client.close();
    }
  });
}
