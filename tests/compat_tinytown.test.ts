/**
 * Compatibility with tinytown 0.10.0 on the wire: records written the way tinytown writes them
 * (the spec's examples, core.md §3.3–3.5) are read by tt, and what tt writes has the spec's
 * fields, field order and enum forms.
 */
import assert from "node:assert/strict";
import { RedisClient } from "../src/redis/mod.ts";
import { makeTestTown } from "./helpers/tt.ts";

const AGENT = "7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11";
const TASK = "9b1e4c2a-77d0-4f5e-8a21-3c4d5e6f7a8b";
const SUP = "00000000-0000-0000-0000-000000000001";

async function townRedis(dir: string): Promise<RedisClient> {
  return await RedisClient.connect(`unix://${dir}/.tt/redis.sock`);
}

Deno.test("tinytown-written agent, task and message are read by tt", async () => {
  // In process: only reads (the next test spawns a loop, so it runs tt as a subprocess).
  const town = await makeTestTown({ name: "compat", inProcess: true });
  const redis = await townRedis(town.dir);
  try {
    // Exactly the spec's HGETALL examples, with tinytown's 9-digit +00:00 timestamps.
    await redis.hset(`tt:compat:agent:${AGENT}`, {
      id: AGENT,
      name: "backend",
      agent_type: "worker",
      state: "idle",
      cli: "claude",
      created_at: "2026-04-22T10:11:12.123456789+00:00",
      last_heartbeat: "2026-04-22T10:14:03.004211517+00:00",
      tasks_completed: "0",
      rounds_completed: "1",
      last_active_at: "2026-04-22T10:14:03.004211517+00:00",
      spawn_mode: "fresh",
      nickname: "Matthew",
      role_id: "worker",
    });
    await redis.hset(`tt:compat:task:${TASK}`, {
      id: TASK,
      description: "Fix the login bug",
      state: "assigned",
      created_at: "2026-04-22T10:15:00.000000001+00:00",
      updated_at: "2026-04-22T10:15:00.000000513+00:00",
      tags: "[]",
      assigned_to: AGENT,
    });
    await redis.rpush(
      `tt:compat:inbox:${AGENT}`,
      `{"id":"2f0c0000-0000-4000-8000-000000000001","from":"${SUP}","to":"${AGENT}","type":"task_assign","task_id":"${TASK}","priority":"normal","created_at":"2026-04-22T10:15:00.000001203Z","correlation_id":null}`,
      `{"id":"2f0c0000-0000-4000-8000-000000000002","from":"${SUP}","to":"${AGENT}","type":"confirmation","ack_type":{"type":"rejected","reason":"missing tests"},"priority":"normal","created_at":"2026-04-22T10:15:01Z","correlation_id":null}`,
    );
    // tinytown keeps no index sets; `tt migrate` adds its records to tt's.
    await town.ok("migrate");

    const agents = JSON.parse(await town.ok("list", "--json"));
    assert.equal(agents.length, 1);
    assert.equal(agents[0].id, AGENT);
    assert.equal(agents[0].nickname, "Matthew");
    assert.equal(agents[0].label, "Matthew [worker]");
    assert.equal(agents[0].state, "idle");
    assert.equal(agents[0].rounds_completed, 1);

    const task = JSON.parse(await town.ok("task", "show", TASK, "--json"));
    assert.equal(task.description ?? task.task?.description, "Fix the login bug");
    assert.match(await town.ok("task", "show", "9b1e"), /Fix the login bug/);

    const inbox = await town.ok("inbox", "backend", "--json");
    assert.match(inbox, /task_assign|Fix the login bug/);
    assert.match(inbox, /rejected/);
    // Agents are resolved by nickname and short id as in tinytown.
    assert.match(await town.ok("inbox", "Matthew"), /Inbox/i);
    assert.match(await town.ok("inbox", "7f3a"), /Inbox/i);
  } finally {
    await redis.close();
    await town.tt("stop");
    await town.cleanup();
  }
});

Deno.test("what tt writes has tinytown's fields, order and enum forms", async () => {
  const town = await makeTestTown({ name: "compat2" });
  const redis = await townRedis(town.dir);
  try {
    // An agent record written by tt, without starting a loop: create it through spawn with a
    // CLI that exits at once and max rounds 0, so the loop ends immediately.
    const spawned = JSON.parse(
      await town.ok(
        "spawn",
        "worker-1",
        "--cli",
        "true",
        "--max-rounds",
        "0",
        "--role",
        "reviewer",
        "--json",
      ),
    );
    const id = spawned.id as string;
    const deadline = Date.now() + 15_000;
    let agent: Record<string, string> = {};
    while (Date.now() < deadline) {
      agent = await redis.hgetall(`tt:compat2:agent:${id}`);
      if (agent.state === "stopped") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (
      const f of [
        "id",
        "name",
        "agent_type",
        "state",
        "cli",
        "created_at",
        "last_heartbeat",
        "tasks_completed",
        "rounds_completed",
        "last_active_at",
        "spawn_mode",
        "nickname",
        "role_id",
      ]
    ) {
      assert.ok(f in agent, `agent hash has ${f}`);
    }
    assert.equal(agent.agent_type, "worker");
    assert.equal(agent.spawn_mode, "fresh");
    assert.equal(agent.state, "stopped");
    assert.match(agent.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/);

    const assigned = JSON.parse(await town.ok("assign", "worker-1", "Write the docs", "--json"));
    const taskId = assigned.task_id as string;
    const task = await redis.hgetall(`tt:compat2:task:${taskId}`);
    assert.equal(task.state, "assigned");
    assert.equal(task.assigned_to, id);
    assert.equal(task.tags, "[]");
    assert.match(task.updated_at, /\+00:00$/);

    await town.ok("send", "worker-1", "--query", "Which OAuth scopes?");
    const raw = await redis.lrange(`tt:compat2:inbox:${id}`, 0, -1);
    assert.equal(raw.length, 2);
    const keys = (s: string) => Object.keys(JSON.parse(s));
    assert.deepEqual(keys(raw[0]), [
      "id",
      "from",
      "to",
      "type",
      "task_id",
      "priority",
      "created_at",
      "correlation_id",
    ]);
    assert.deepEqual(keys(raw[1]), [
      "id",
      "from",
      "to",
      "type",
      "question",
      "priority",
      "created_at",
      "correlation_id",
    ]);
    const q = JSON.parse(raw[1]);
    assert.equal(q.type, "query");
    assert.equal(q.priority, "normal");
    assert.equal(q.from, SUP);
    assert.equal(q.correlation_id, null);
    assert.match(q.created_at, /Z$/);
    assert.equal(raw[1], JSON.stringify(JSON.parse(raw[1])), "compact JSON");
  } finally {
    await redis.close();
    await town.tt("stop");
    await town.cleanup();
  }
});
