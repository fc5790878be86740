/**
 * Planning and persistence: `tt plan`, `tt sync push|pull`, `tt save`, `tt restore`,
 * `tt migrate`, with their errors, and the round trip plan -> push -> work done -> pull ->
 * save -> reset -> restore.
 */
import assert from "node:assert/strict";
import { type Agent, agentToHash, agentToJson, newAgent } from "../src/model/agent.ts";
import { newTask, taskToJson } from "../src/model/task.ts";
import { RedisClient } from "../src/redis/mod.ts";
import { openTestStore as openStore, type TestStore as Store } from "./helpers/store.ts";
import { addAgent, withTownStore as withKitTownStore } from "./helpers/kit.ts";
import { editLayout, scanLayout } from "../src/service/plan_text.ts";
import { pullPlan } from "../src/service/plan_sync_pull.ts";
import { pushPlan } from "../src/service/plan_sync_push.ts";
import { readTownState, writeTownState } from "../src/store/snapshot_redis.ts";
import { startRedis } from "./helpers/redis.ts";
import { makeTestTown, oneErrorLine, type TestTown } from "./helpers/tt.ts";

/** The kit's town and store, with tt run in process. */
function withTownStore(name: string, fn: (town: TestTown, store: Store) => Promise<void>) {
  return withKitTownStore(name, fn, { inProcess: true });
}

/** `tt status --json --tasks`, with agents and tasks in id order (equal timestamps tie). */
async function statusOf(town: TestTown) {
  const s = JSON.parse(await town.ok("status", "--json", "--tasks"));
  const byId = (a: { id: string }, b: { id: string }) => a.id < b.id ? -1 : 1;
  s.agents.sort(byId);
  s.task_list.sort(byId);
  return s;
}

const write = (town: TestTown, text: string) => Deno.writeTextFile(`${town.dir}/tasks.toml`, text);
const read = (town: TestTown) => Deno.readTextFile(`${town.dir}/tasks.toml`);

Deno.test("tt plan --init writes a commented template once; tt plan shows it", async () => {
  const town = await makeTestTown({ name: "pl", inProcess: true });
  try {
    assert.match(oneErrorLine(await town.tt("plan"), { code: 1 }), /tasks\.toml.*tt plan --init/);
    assert.match(await town.ok("plan", "--init"), /Created .*tasks\.toml/);
    const text = await read(town);
    assert.match(text, /^# /, "starts with an explanation");
    assert.match(text, /\[\[tasks\]\]\nid = "example-1"/);
    assert.match(
      oneErrorLine(await town.tt("plan", "--init"), { code: 1 }),
      /already exists.*--force/,
    );
    await write(town, text + '\n[[tasks]]\nid = "two"\ndescription = "Second"\nagent = "bob"\n');
    assert.match(await town.ok("plan", "--init", "--force"), /Created/);
    assert.equal(await read(town), text);

    const shown = await town.ok("plan");
    assert.match(shown, /Tasks in plan \(.*tasks\.toml\):/);
    assert.match(shown, /⏳ \[unassigned\] example-1 - Example task - replace with your own/);
    const json = JSON.parse(await town.ok("plan", "--json"));
    assert.equal(json.meta.description, "Task plan for this project");
    assert.deepEqual(json.tasks, [{
      id: "example-1",
      description: "Example task - replace with your own",
      agent: null,
      status: "pending",
      tags: ["example"],
      parent: null,
    }]);
  } finally {
    await town.cleanup();
  }
});

Deno.test("a bad tasks.toml is reported as file:line and what is wrong", async () => {
  const town = await makeTestTown({ name: "pl", inProcess: true });
  try {
    const cases: [string, RegExp][] = [
      ['[[tasks]]\nid = "a"\ndescription = "x"\nstatus = \n', /tasks\.toml:4:\d+: invalid TOML/],
      ['[meta]\n\n[[tasks]]\nid = "a"\n', /tasks\.toml:3: task #1 \("a"\) needs a .*description/],
      [
        '[[tasks]]\nid = "a"\ndescription = "x"\n\n[[tasks]]\nid = "b"\ndescription = "y"\n' +
        'status = "done"\n',
        /tasks\.toml:8: task #2 \("b"\) has status "done"; use one of: pending, /,
      ],
      [
        '[[tasks]]\nid = "a"\ndescription = "x"\n[[tasks]]\nid = "a"\ndescription = "y"\n',
        /tasks\.toml:5: task #2 \("a"\) repeats the id of task #1/,
      ],
      ['[[tasks]]\nid = "a"\ndescription = "x"\ntags = "api"\n', /tasks\.toml:4: .*'tags'/],
      ['[[tasks]]\ndescription = "x"\n', /tasks\.toml:1: task #1 has no id/],
      [
        '[[tasks]]\nid = "a"\ndescription = "x"\nparent = "nope"\n',
        /tasks\.toml:4: task #1 \("a"\) has parent "nope"/,
      ],
    ];
    for (const [text, expected] of cases) {
      await write(town, text);
      assert.match(oneErrorLine(await town.tt("plan"), { code: 1 }), expected, text);
    }
    // push checks the file before writing anything.
    assert.match(oneErrorLine(await town.tt("sync", "push"), { code: 1 }), /tasks\.toml:4:/);
    // An unknown agent stops the push at its line, before anything is created.
    await write(
      town,
      '[[tasks]]\nid = "a"\ndescription = "x"\n\n[[tasks]]\nid = "b"\n' +
        'description = "y"\nagent = "ghost"\n',
    );
    assert.match(
      oneErrorLine(await town.tt("sync", "push"), { code: 1 }),
      /tasks\.toml:8: task #2 \("b"\): agent not found: ghost/,
    );
    assert.equal(JSON.parse(await town.ok("task", "list", "--json")).length, 0);
    assert.match(oneErrorLine(await town.tt("sync", "sideways"), { code: 2 }), /push.*pull/);
  } finally {
    await town.cleanup();
  }
});

Deno.test("tt sync push: assigns or backlogs each entry once; pushing again changes nothing", async () => {
  await withTownStore("pl", async (town, store) => {
    const alice = await addAgent(store, "alice");
    await write(
      town,
      `[meta]
description = "Test plan"

[[tasks]]
id = "api"
description = "Build the API"
agent = "alice"
tags = ["backend"]

[[tasks]]
id = "docs"
description = "Document it"
parent = "api"

[[tasks]]
id = "old"
description = "Already done"
status = "completed"
`,
    );
    const first = JSON.parse(await town.ok("sync", "push", "--json"));
    assert.deepEqual(first.created.map((c: { id: string }) => c.id), ["api", "docs", "old"]);
    const ids = Object.fromEntries(
      first.created.map((c: { id: string; task_id: string }) => [c.id, c.task_id]),
    );
    const api = await store.tasks.get(ids.api);
    assert.equal(api?.state, "assigned");
    assert.equal(api?.assignedTo, alice.id);
    assert.deepEqual(api?.tags, ["backend", "plan:api"]);
    const inbox = await store.redis.lrange(store.keys.inbox(alice.id), 0, -1);
    assert.deepEqual(inbox.map((m) => JSON.parse(m).task_id), [ids.api]);
    const docs = await store.tasks.get(ids.docs);
    assert.equal(docs?.state, "pending");
    assert.equal(docs?.parentId, ids.api);
    assert.deepEqual(await store.tasks.backlogIds(), [ids.docs]);
    assert.equal((await store.tasks.get(ids.old))?.state, "completed");

    const again = JSON.parse(await town.ok("sync", "push", "--json"));
    assert.equal(again.created.length, 0);
    assert.equal(again.updated.length, 0);
    assert.equal(again.unchanged.length, 3);
    assert.equal((await store.tasks.list()).length, 3);
    assert.equal(await store.redis.llen(store.keys.inbox(alice.id)), 1);
    assert.equal(await store.tasks.backlogLength(), 1);

    // Giving the backlog entry an agent assigns it on the next push; editing text updates.
    const text = (await read(town)).replace(
      'description = "Document it"',
      'description = "Document the API"\nagent = "alice"',
    );
    await write(town, text);
    const third = await town.ok("sync", "push");
    assert.match(third, /0 created, 1 updated, 2 unchanged/);
    assert.match(third, /docs \(.{4}\): description, assigned to alice/);
    assert.equal((await store.tasks.get(ids.docs))?.assignedTo, alice.id);
    assert.equal(await store.tasks.backlogLength(), 0);

    // A task only Redis knows is reported, never deleted.
    await town.ok("backlog", "add", "Redis-only work");
    const fourth = JSON.parse(await town.ok("sync", "push", "--json"));
    assert.equal(fourth.only_in_redis.length, 1);
    assert.equal(fourth.only_in_redis[0].description, "Redis-only work");
    assert.equal((await store.tasks.list()).length, 4);
  });
});

Deno.test("tt sync pull: updates values in place, keeps comments, adds Redis-only tasks", async () => {
  await withTownStore("pl", async (town, store) => {
    await addAgent(store, "bob");
    const original = `# Our plan - keep this comment
[meta]
description = "Pull test"

[[tasks]]
id = "a"   # first task
description = "Task A"
agent = "bob"
tags = [
  "backend",  # multi-line array
]

[[tasks]]
id = "b"
description = "Task B"   # stays pending

[[tasks]]
id = "later"
description = "Not pushed yet"
`;
    await write(town, original.split('\n[[tasks]]\nid = "later"')[0]);
    await town.ok("sync", "push");
    await write(town, original); // "later" is now only in the file
    const added = await town.ok("backlog", "add", "Found in Redis", "--tags", "qa");
    const extraId = /([0-9a-f-]{36})/.exec(added)![1];
    const pushed = await store.tasks.list();
    const a = pushed.find((t) => t.description === "Task A")!;
    await town.ok("task", "complete", a.id, "--result", "shipped");

    const r = JSON.parse(await town.ok("sync", "pull", "--json"));
    assert.equal(r.rewritten, false);
    assert.deepEqual(r.updated.map((u: { id: string }) => u.id), ["a"]);
    assert.deepEqual(r.added.map((u: { task_id: string }) => u.task_id), [extraId]);
    const text = await read(town);
    assert.ok(text.startsWith("# Our plan - keep this comment\n"), text);
    assert.ok(text.includes('id = "a"   # first task\n'), text);
    assert.ok(text.includes('"backend",  # multi-line array'), text);
    assert.ok(text.includes('description = "Task B"   # stays pending'), text);
    assert.ok(text.includes('id = "later"'), "file-only entry kept");
    assert.match(text, /id = "a" .*\n(.*\n)*status = "completed"\n/);
    const plan = JSON.parse(await town.ok("plan", "--json"));
    const byId = Object.fromEntries(plan.tasks.map((t: { id: string }) => [t.id, t]));
    assert.equal(byId.a.status, "completed");
    assert.equal(byId.a.agent, "bob");
    assert.equal(byId.b.status, "pending");
    assert.equal(byId[extraId].description, "Found in Redis");
    assert.deepEqual(byId[extraId].tags, ["qa"]);

    // Pulling again is a no-op; pushing the pulled file creates only the file-only entry.
    assert.equal(JSON.parse(await town.ok("sync", "pull", "--json")).updated.length, 0);
    assert.equal(await read(town), text);
    const push = JSON.parse(await town.ok("sync", "push", "--json"));
    assert.deepEqual(push.created.map((c: { id: string }) => c.id), ["later"]);
    assert.equal(push.only_in_redis.length, 0);
  });
});

Deno.test("round trip: plan, push, complete, pull, save, reset, restore", async () => {
  await withTownStore("pl", async (town, store) => {
    const ann = await addAgent(store, "ann", "stopped");
    await addAgent(store, "ben", "stopped");
    await write(
      town,
      '[[tasks]]\nid = "one"\ndescription = "First"\nagent = "ann"\n\n' +
        '[[tasks]]\nid = "two"\ndescription = "Second"\nagent = "ben"\n\n' +
        '[[tasks]]\nid = "three"\ndescription = "Third"\ntags = ["docs"]\n',
    );
    const pushed = JSON.parse(await town.ok("sync", "push", "--json"));
    const ids = Object.fromEntries(
      pushed.created.map((c: { id: string; task_id: string }) => [c.id, c.task_id]),
    );
    await town.ok("task", "complete", ids.one, "--result", "done one");
    await town.ok("task", "complete", ids.two);
    await town.ok("send", "ann", "please review", "--query");
    const pulled = JSON.parse(await town.ok("plan", "--json"));
    assert.deepEqual(pulled.tasks.map((t: { status: string }) => t.status), [
      "pending",
      "pending",
      "pending",
    ]);
    await town.ok("sync", "pull");
    const plan = JSON.parse(await town.ok("plan", "--json"));
    assert.deepEqual(plan.tasks.map((t: { status: string }) => t.status), [
      "completed",
      "completed",
      "pending",
    ]);

    const before = await statusOf(town);
    const saved = await town.ok("save");
    assert.match(saved, /Saved town 'pl' to .*tt-state\.json/);
    assert.match(saved, /2 agent\(s\), 3 task\(s\), 3 message\(s\), 1 in the backlog/);
    const file = JSON.parse(await Deno.readTextFile(`${town.dir}/tt-state.json`));
    assert.equal(file.format, "tt-state");
    assert.equal(file.keys[`tt:pl:agent:${ann.id}`].value.name, "ann");

    // A town with data is not overwritten without --force.
    assert.match(
      oneErrorLine(await town.tt("restore"), { code: 1 }),
      /already has \d+ key\(s\).*--force/,
    );
    await town.ok("reset", "--force");
    assert.equal(JSON.parse(await town.ok("status", "--json")).agents.length, 0);
    assert.match(await town.ok("restore"), /Restored town 'pl'/);
    const after = await statusOf(town);
    assert.deepEqual(after, before);
    const inbox = await store.redis.lrange(store.keys.inbox(ann.id), 0, -1);
    assert.deepEqual(inbox.map((m) => JSON.parse(m).type), ["task_assign", "query"]);

    // Saving the restored town gives the same snapshot.
    await town.ok("save", "--file", `${town.dir}/again.json`);
    const again = JSON.parse(await Deno.readTextFile(`${town.dir}/again.json`));
    assert.deepEqual(again.keys, file.keys);
  });
});

Deno.test("tt restore refuses a live town unless --force; bad files are one-line errors", async () => {
  await withTownStore("pl", async (town, store) => {
    await addAgent(store, "runner");
    await town.ok("save");
    const live = oneErrorLine(await town.tt("restore"), { code: 1 });
    assert.match(live, /town 'pl' is live: 1 agent\(s\) are active \(runner\)/);
    await store.redis.set(`${store.keys.prefix}extra`, "1");
    const r = await town.ok("restore", "--force");
    assert.match(r, /Replaced \d+ existing key\(s\)/);
    assert.match(r, /saved while active.*runner/);
    assert.equal(await store.redis.exists(`${store.keys.prefix}extra`), 0);

    assert.match(
      oneErrorLine(await town.tt("restore", "--file", `${town.dir}/none.json`, "--force"), {
        code: 1,
      }),
      /no state file at .*none\.json/,
    );
    await Deno.writeTextFile(`${town.dir}/bad.json`, '{"format":"other"}');
    assert.match(
      oneErrorLine(await town.tt("restore", "--file", `${town.dir}/bad.json`, "--force"), {
        code: 1,
      }),
      /not a tt state file/,
    );
  });
});

Deno.test("snapshots keep every data type, TTLs, binary values and stream groups", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    const store = openStore(client, "snap");
    const k = (s: string) => `${store.keys.prefix}${s}`;
    await client.command(["SET", k("flag"), "1", "EX", "3600"]);
    await client.command(["SET", k("bin"), new Uint8Array([0, 255, 1, 128])]);
    await client.command(["HSET", k("h"), "b", "2", "a", "1"]);
    await client.command(["RPUSH", k("l"), "x", "y", "x"]);
    await client.command(["SADD", k("s"), "m2", "m1"]);
    await client.command(["ZADD", k("z"), "2", "b", "1.5", "a"]);
    await client.command(["XADD", k("st"), "1-1", "f", "v1"]);
    await client.command(["XADD", k("st"), "2-1", "f", "v2"]);
    await client.command(["XADD", k("st"), "3-1", "f", "v3"]);
    await client.command(["XGROUP", "CREATE", k("st"), "workers", "0"]);
    await client.command([
      "XREADGROUP",
      "GROUP",
      "workers",
      "c1",
      "COUNT",
      "2",
      "STREAMS",
      k("st"),
      ">",
    ]);
    await client.command(["XACK", k("st"), "workers", "1-1"]); // 2-1 stays pending
    await client.command(["XADD", k("empty"), "5-0", "f", "v"]);
    await client.command(["XDEL", k("empty"), "5-0"]);

    const state = await readTownState(client, store.keys, "snap");
    assert.equal(Object.keys(state.keys).length, 8);
    assert.deepEqual(state.keys[k("bin")].value, { base64: btoa("\x00\xff\x01\x80") });
    const json = JSON.parse(JSON.stringify(state));
    await client.command(["FLUSHALL"]);
    await writeTownState(client, store.keys, json, []);

    assert.ok(((await client.command(["PTTL", k("flag")])) as number) > 3_500_000);
    const bin = await client.pipeline().add("GET", k("bin")).execRaw();
    assert.deepEqual(bin[0], new Uint8Array([0, 255, 1, 128]));
    assert.deepEqual(await client.hgetall(k("h")), { a: "1", b: "2" });
    assert.deepEqual(await client.lrange(k("l"), 0, -1), ["x", "y", "x"]);
    assert.deepEqual(
      await client.command(["ZRANGE", k("z"), 0, -1, "WITHSCORES"]),
      ["a", "1.5", "b", "2"],
    );
    // The pending entry is delivered again; acknowledged ones are not.
    const next = await client.command([
      "XREADGROUP",
      "GROUP",
      "workers",
      "c2",
      "STREAMS",
      k("st"),
      ">",
    ]) as [string, [string, string[]][]][];
    assert.deepEqual(next[0][1].map((e) => e[0]), ["2-1", "3-1"]);
    const info = await client.command(["XINFO", "STREAM", k("empty")]) as unknown[];
    assert.equal(info[info.indexOf("length") + 1], 0);
    assert.equal(info[info.indexOf("last-generated-id") + 1], "5-0");
    const again = await readTownState(client, store.keys, "snap");
    assert.deepEqual(again.keys[k("h")], state.keys[k("h")]);
  } finally {
    await client.close();
  }
});

Deno.test("tt migrate moves keyless tinytown data into the town and indexes it", async () => {
  await withTownStore("pl", async (town, store) => {
    const legacy: Agent = { ...newAgent("legacy", "claude"), state: "idle" };
    const task = newTask("legacy task");
    const made: Agent = { ...newAgent("made-by-tinytown", "claude"), state: "idle" };
    const r = store.redis;
    await r.set(`tt:agent:${legacy.id}`, agentToJson(legacy));
    await r.rpush(`tt:inbox:${legacy.id}`, "old-1", "old-2");
    await r.set(`tt:task:${task.id}`, taskToJson(task));
    await r.rpush("tt:backlog", task.id);
    await r.rpush(store.keys.backlog, "11111111-2222-4333-8444-555555555555");
    await r.hset(store.keys.agent(made.id), agentToHash(made).set);
    await r.set("tt:agent:not-an-id", "left alone");

    const preview = await town.ok("migrate", "--dry-run");
    assert.match(preview, /dry run/);
    assert.ok(preview.includes(`tt:agent:${legacy.id} → tt:pl:agent:${legacy.id}`), preview);
    assert.match(preview, /tt:backlog merged into tt:pl:backlog/);
    assert.equal(await r.exists(`tt:agent:${legacy.id}`), 1, "dry run changes nothing");

    const done = JSON.parse(await town.ok("migrate", "--json"));
    assert.equal(done.failed.length, 0);
    assert.equal(await r.exists(`tt:agent:${legacy.id}`), 0);
    assert.equal((await store.agents.get(legacy.id))?.name, "legacy");
    assert.deepEqual(await r.lrange(store.keys.inbox(legacy.id), 0, -1), ["old-1", "old-2"]);
    assert.equal((await store.tasks.get(task.id))?.description, "legacy task");
    assert.deepEqual(await r.lrange(store.keys.backlog, 0, -1), [
      task.id,
      "11111111-2222-4333-8444-555555555555",
    ]);
    assert.equal(await r.get("tt:agent:not-an-id"), "left alone");
    const names = JSON.parse(await town.ok("list", "--json"))
      .map((a: { name: string }) => a.name).sort();
    assert.deepEqual(names, ["legacy", "made-by-tinytown"]);
    assert.match(await town.ok("migrate"), /No migration needed/);
  });
});

Deno.test("in-place edits keep comments, spacing and multi-line layout", () => {
  const text =
    'a = 1\n[[tasks]]\nid = "x"  # why\ntags = [\n  "p",\n]\n# note\n\n[[tasks]]\nid = "y"\n';
  const layout = scanLayout(text);
  const blocks = layout.blocks.filter((b) => b.array);
  assert.deepEqual(blocks[0].keys.map((k) => [k.key, k.start, k.end]), [["id", 2, 2], [
    "tags",
    3,
    5,
  ]]);
  const out = editLayout(layout, [
    { block: blocks[0], values: new Map([["id", '"z"'], ["tags", '["q"]'], ["status", '"done"']]) },
    { block: blocks[1], values: new Map([["id", undefined]]) },
  ], '[[tasks]]\nid = "new"\n');
  assert.equal(
    out,
    'a = 1\n[[tasks]]\nid = "z"  # why\ntags = ["q"]\nstatus = "done"\n# note\n\n[[tasks]]\n\n' +
      '[[tasks]]\nid = "new"\n',
  );
});

Deno.test("pull rewrites a file it cannot edit in place, and says so at the top", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  const root = await Deno.makeTempDir({ prefix: "tt-plan-" });
  try {
    const store = openStore(client, "inline");
    await Deno.writeTextFile(`${root}/tasks.toml`, 'tasks = [{ id = "a", description = "A" }]\n');
    await pushPlan(store, root);
    const extra = newTask("only in Redis");
    await store.tasks.create(extra, { backlog: true });
    const r = await pullPlan(store, root);
    assert.equal(r.rewritten, true);
    const text = await Deno.readTextFile(`${root}/tasks.toml`);
    assert.match(text, /# Rewritten in full by 'tt sync pull'/);
    const again = await pullPlan(store, root);
    assert.equal(again.rewritten, false);
    assert.deepEqual([again.updated.length, again.added.length, again.unchanged.length], [0, 0, 2]);
  } finally {
    await client.close();
    await Deno.remove(root, { recursive: true });
  }
});
