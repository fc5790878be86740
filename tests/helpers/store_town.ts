/**
 * A test town (real redis-server, real `tt`) opened in this process as well, so a test can
 * write records straight into the store and read back what the real tt did.
 */
import assert from "node:assert/strict";
import { type Agent, type AgentState, newAgent } from "../../src/model/agent.ts";
import { assignTask, newTask, type Task } from "../../src/model/task.ts";
import { RedisClient } from "../../src/redis/mod.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { envFrom } from "../../src/town/env.ts";
import { openTown } from "../../src/town/town.ts";
import { makeTestTown, runTt, type TestTown, type TtResult } from "./tt.ts";

/** Unsets the agent-loop variables, so tt acts as the conductor whatever this process has. */
export const AGENT_ENV_CLEAR = { TINYTOWN_AGENT_ID: "", TINYTOWN_AGENT_NAME: "" };

export interface StoreTown {
  town: TestTown;
  store: Store;
  /** Runs tt in the town; the agent-loop variables are cleared unless `env` sets them. */
  tt(args: string[], env?: Record<string, string>, stdin?: string): Promise<TtResult>;
  /** Like `tt`, and fails the test unless it exits 0; returns stdout. */
  ok(args: string[], env?: Record<string, string>): Promise<string>;
  /** An agent stored directly (no loop), in `state` (default idle). */
  agent(name: string, state?: AgentState): Promise<Agent>;
  /** A task stored directly (optionally assigned, in a given state), for read-side tests. */
  task(description: string, assignee?: string, state?: Task["state"]): Promise<Task>;
}

/** Runs `fn` with a new town and its store; everything is stopped and removed afterwards. */
export async function withStoreTown(fn: (ctx: StoreTown) => Promise<void>): Promise<void> {
  const town = await makeTestTown();
  try {
    const opened = await openTown(town.dir, { env: envFrom(town.env) });
    try {
      const store = openStore(opened.redis, opened.name);
      const tt = (args: string[], env: Record<string, string> = {}, stdin?: string) =>
        runTt(["--town", town.dir, ...args], {
          env: { ...town.env, ...AGENT_ENV_CLEAR, ...env },
          stdin,
        });
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
        task: async (description, assignee, state) => {
          let t = newTask(description);
          if (assignee) t = assignTask(t, assignee);
          if (state) t = { ...t, state };
          await store.tasks.create(t);
          return t;
        },
      });
    } finally {
      await opened.close();
    }
  } finally {
    await town.cleanup();
  }
}

/** Runs `fn` with a new town named `name` and a store on its own connection. */
export async function withTownStore(
  name: string,
  fn: (town: TestTown, store: Store) => Promise<void>,
): Promise<void> {
  const town = await makeTestTown({ name });
  const redis = await RedisClient.connect(`unix://${town.dir}/.tt/redis.sock`);
  try {
    await fn(town, openStore(redis, name));
  } finally {
    await redis.close();
    await town.cleanup();
  }
}
