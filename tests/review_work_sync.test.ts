/**
 * `tt sync` under concurrency: two pushes of the same file at once must still create each task
 * once (one backlog entry, one task_assign message), and a pull must not overwrite edits made
 * to tasks.toml while it was reading Redis.
 */
import assert from "node:assert/strict";
import { type Agent, newAgent } from "../src/model/agent.ts";
import { newTask } from "../src/model/task.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { openStore, type Store } from "../src/store/store.ts";
import { pullPlan } from "../src/service/plan_sync_pull.ts";
import { pushPlan } from "../src/service/plan_sync_push.ts";
import { startRedis } from "./helpers/redis.ts";

async function withTwoClients(
  fn: (a: Store, b: Store, dir: string, raw: RedisClient) => Promise<void>,
): Promise<void> {
  await using redis = await startRedis();
  const c1 = await RedisClient.connect(redis.url);
  const c2 = await RedisClient.connect(redis.url);
  const dir = await Deno.makeTempDir({ prefix: "tt-sync-" });
  try {
    await fn(openStore(c1, "sy"), openStore(c2, "sy"), dir, c1);
  } finally {
    await c1.close();
    await c2.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const PLAN = `[[tasks]]
id = "one"
description = "backlog work"

[[tasks]]
id = "two"
description = "assigned work"
agent = "worker"
`;

Deno.test("two pushes of the same plan at once create each task once", async () => {
  await withTwoClients(async (a, b, dir, raw) => {
    const worker: Agent = { ...newAgent("worker", "claude"), state: "idle" };
    await a.agents.create(worker, 0);
    await Deno.writeTextFile(`${dir}/tasks.toml`, PLAN);
    for (let round = 0; round < 5; round++) {
      await raw.command(["DEL", a.keys.backlog, a.keys.inbox(worker.id), a.keys.tasksIndex]);
      for (const t of await raw.command(["KEYS", "tt:sy:task:*"]) as string[]) {
        await raw.command(["DEL", t]);
      }
      await Promise.all([pushPlan(a, dir), pushPlan(b, dir)]);
      const backlog = await raw.lrange(a.keys.backlog, 0, -1);
      assert.equal(backlog.length, 1, `round ${round}: backlog ${JSON.stringify(backlog)}`);
      const inbox = await raw.lrange(a.keys.inbox(worker.id), 0, -1);
      assert.equal(inbox.length, 1, `round ${round}: ${inbox.length} task_assign messages`);
      assert.equal((await a.tasks.list()).length, 2);
    }
  });
});

Deno.test("two pushes at once put a pending task that is not in the backlog there once", async () => {
  await withTwoClients(async (a, b, dir, raw) => {
    // What tinytown's push leaves: a pending task tagged plan:<id>, in no list.
    const task = newTask("made by tinytown", { tags: ["plan:old"] });
    await a.tasks.create(task);
    await Deno.writeTextFile(`${dir}/tasks.toml`, '[[tasks]]\nid = "old"\ndescription = "x"\n');
    await Promise.all([pushPlan(a, dir), pushPlan(b, dir)]);
    assert.deepEqual(await raw.lrange(a.keys.backlog, 0, -1), [task.id]);
  });
});

Deno.test("pull does not overwrite tasks.toml edited while it read Redis", async () => {
  await withTwoClients(async (a, _b, dir) => {
    const file = `${dir}/tasks.toml`;
    await Deno.writeTextFile(file, '[[tasks]]\nid = "one"\ndescription = "first"\n');
    await pushPlan(a, dir);
    await a.tasks.create(newTask("only in redis")); // so pull has something to write
    const edited = '[[tasks]]\nid = "one"\ndescription = "first"\n\n' +
      '[[tasks]]\nid = "new"\ndescription = "typed by the user meanwhile"\n';
    // The user saves the file while pull is reading Redis.
    const racing: Store = {
      ...a,
      tasks: Object.assign(Object.create(a.tasks), {
        list: async () => {
          const tasks = await a.tasks.list();
          await Deno.writeTextFile(file, edited);
          return tasks;
        },
      }),
    };
    await assert.rejects(() => pullPlan(racing, dir), /changed while/);
    assert.equal(await Deno.readTextFile(file), edited);
  });
});
