/**
 * The shared test kit: a store on a fresh redis-server, a test town with a store on its
 * Redis, and agent records made for a test. One copy here instead of one per test file.
 */
import { type Agent, type AgentState, newAgent } from "../../src/model/agent.ts";
import type { Store } from "../../src/store/store.ts";
import assert from "node:assert/strict";
import { RedisClient } from "../../src/redis/client.ts";
import { envFrom } from "../../src/town/env.ts";
import { openTown } from "../../src/town/town.ts";
import { startRedis } from "./redis.ts";
import { openTestStore, type TestStore } from "./store.ts";
import { makeTestTown, runTt, runTtInProcess, type TestTown, type TtResult } from "./tt.ts";

export { waitFor } from "./redis.ts";

/** Runs `fn` with a store for town `townName` on a redis-server of its own (then stopped). */
export async function withStore(
  townName: string,
  fn: (store: TestStore, url: string) => Promise<void>,
): Promise<void> {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    await fn(openTestStore(client, townName), redis.url);
  } finally {
    await client.close();
  }
}

/**
 * Runs `fn` with a fresh test town named `name` (`tt init` done) and a store on its Redis;
 * the town is stopped and removed afterwards.
 */
export async function withTownStore(
  name: string,
  fn: (town: TestTown, store: TestStore) => Promise<void>,
  options: { inProcess?: boolean } = {},
): Promise<void> {
  const town = await makeTestTown({ name, ...options });
  const redis = await RedisClient.connect(`unix://${town.dir}/.tt/redis.sock`);
  try {
    await fn(town, openTestStore(redis, name));
  } finally {
    await redis.close();
    await town.cleanup();
  }
}

/**
 * Registers an agent record named `name` (its nickname too: one picked from the id could be
 * another agent's name, which create refuses), idle unless `extra` (fields, or just a state)
 * says otherwise.
 */
export async function addAgent(
  store: Store,
  name: string,
  extra: Partial<Agent> | AgentState = {},
): Promise<Agent> {
  const fields = typeof extra === "string" ? { state: extra } : extra;
  const agent: Agent = {
    ...newAgent(name, "claude", { nickname: name }),
    state: "idle",
    ...fields,
  };
  await store.agents.create(agent, 0);
  return agent;
}

/** A test town with a store on its Redis and tt runners for it (see `withTown`). */
export interface TownFixture {
  town: TestTown;
  store: TestStore;
  /**
   * Runs tt in the town; the agent-loop variables are cleared unless given. With `stdin` it
   * always runs as a subprocess (in process there is no stdin to give).
   */
  tt(args: string[], env?: Record<string, string>, stdin?: string): Promise<TtResult>;
  /** Runs tt and fails the test unless it exits 0; returns stdout. */
  ok(args: string[], env?: Record<string, string>): Promise<string>;
  /** An agent record in `state` (default idle), its nickname derived from its id. */
  agent(name: string, state?: AgentState): Promise<Agent>;
}

const AGENT_ENV_CLEARED = { TINYTOWN_AGENT_ID: "", TINYTOWN_AGENT_NAME: "" };

/** Runs `fn` with a fresh initialised test town (stopped and removed afterwards). */
export async function withTown(
  fn: (ctx: TownFixture) => Promise<void>,
  options: { inProcess?: boolean } = {},
): Promise<void> {
  const town = await makeTestTown(options);
  try {
    const opened = await openTown(town.dir, { env: envFrom(town.env) });
    try {
      const store = openTestStore(opened.redis, opened.name);
      const tt = (args: string[], env: Record<string, string> = {}, stdin?: string) => {
        const argv = ["--town", town.dir, ...args];
        const vars = { ...town.env, ...AGENT_ENV_CLEARED, ...env };
        return options.inProcess && stdin === undefined
          ? runTtInProcess(argv, { env: vars })
          : runTt(argv, { env: vars, ...(stdin === undefined ? {} : { stdin }) });
      };
      await fn({
        town,
        store,
        tt,
        ok: async (args, env) => {
          const r = await tt(args, env);
          assert.equal(r.code, 0, `tt ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
          return r.stdout;
        },
        agent: async (name, state = "idle") => {
          const a = { ...newAgent(name, "claude"), state };
          await store.agents.create(a, 0);
          return a;
        },
      });
    } finally {
      await opened.close();
    }
  } finally {
    await town.cleanup();
  }
}
