/**
 * The mission tools and resources over MCP (in process, the SDK's Client on a linked pair):
 * start from a doc objective, list, status with and without details, work, watches, events,
 * note, stop, resume, dispatch, pause, input, approve and reject's guards, and the mission
 * resources.
 */
import assert from "node:assert/strict";
import { dataOf, envelope, inProcessMcp } from "./helpers/mcp.ts";

Deno.test("mcp missions: start, inspect, note, stop, resume, dispatch; mission resources", async () => {
  const { host, client, call, close } = await inProcessMcp("mcp-missions");
  try {
    assert.match(envelope(await call("mission.start")).error!, /At least one issue or doc/);
    // An idle agent (record only) for the scheduler to hand the first work item to.
    const worker = await host.town.spawnAgent("worker-1", { cli: "claude", start: false });
    const record = (await worker.state())!;
    await host.town.channel.saveAgent({ ...record, state: "idle" });
    const started = dataOf(await call("mission.start", { docs: ["docs/plan.md"] }));
    const id = started.mission.id;
    assert.equal(started.mission.state, "running");
    assert.equal(started.objective_count, 1);
    assert.ok(started.work_item_count >= 1);

    const listed = dataOf(await call("mission.list"));
    assert.equal(listed.count, 1);
    assert.equal(listed.missions[0].id, id);
    assert.match(
      envelope(await call("mission.list", { status: "bogus" })).error!,
      /Invalid mission status: bogus/,
    );

    const brief = dataOf(await call("mission.get_status", { mission_id: id }));
    assert.equal(brief.work_items, null);
    assert.equal(brief.dispatcher, null);
    assert.equal(brief.work_item_count, started.work_item_count);
    const full = dataOf(await call("mission.status", { mission_id: id.slice(0, 8) }));
    assert.equal(full.work_items.length, started.work_item_count);
    assert.ok(Array.isArray(full.watch_items));
    assert.equal(typeof full.dispatcher.control_messages, "number");

    const work = dataOf(await call("mission.list_work", { mission_id: id }));
    assert.equal(work.count, started.work_item_count);
    assert.match(
      envelope(await call("mission.work_items", { mission_id: id, status: "x" })).error!,
      /Invalid work status: x/,
    );
    assert.equal(dataOf(await call("mission.watches", { mission_id: id })).mission_id, id);
    const events = dataOf(await call("mission.get_events", { mission_id: id, count: 5 }));
    assert.ok(events.events.some((e: string) => e.includes("Mission started via MCP")));
    assert.match(
      envelope(await call("mission.events", { mission_id: id, count: 0 })).error!,
      /greater than zero/,
    );

    const noted = dataOf(await call("mission.note", { mission_id: id, message: "focus on docs" }));
    assert.equal(noted.note.body, "focus on docs");
    assert.equal(noted.note.sender, "mcp");
    const stopped = dataOf(await call("mission.stop", { mission_id: id }));
    assert.equal(stopped.mission.state, "blocked");
    const resumed = dataOf(await call("mission.resume", { mission_id: id }));
    assert.equal(resumed.status, "running");
    assert.match(
      envelope(await call("mission.resume", { mission_id: id })).error!,
      /already running/,
    );
    const tick = dataOf(await call("mission.dispatch", { mission_id: id }));
    assert.ok(Array.isArray(tick.claimed_missions));
    const paused = dataOf(await call("mission.pause", { mission_id: id }));
    assert.deepEqual(paused, {
      directive: "pause",
      mission_id: id,
      status: "queued_and_processed",
    });
    const pausedState = dataOf(await call("mission.get_status", { mission_id: id })).mission;
    assert.equal(pausedState.state, "blocked");
    assert.equal(pausedState.blocked_reason, "Paused by mcp: pause requested via mission.pause");
    assert.match(
      envelope(await call("mission.pause", { mission_id: id })).error!,
      /not running, and cannot be paused/,
    );
    assert.equal(dataOf(await call("mission.resume", { mission_id: id })).status, "running");

    const [item] = dataOf(await call("mission.list_work", { mission_id: id })).items;
    const input = dataOf(
      await call("mission.input", { mission_id: id, work_item_id: item.id, response: "see §2" }),
    );
    assert.deepEqual(input, {
      forwarded_to: "worker-1",
      mission_id: id,
      recorded: true,
      work_item_id: item.id,
    });
    const urgent = dataOf(await call("agent.inbox", { agent: "worker-1" })).urgent_messages;
    assert.equal(urgent, 1);
    assert.match(
      envelope(await call("mission.approve", { mission_id: id })).error!,
      /no work items of mission .* await review/,
    );
    for (const tool of ["mission.approve", "mission.reject"]) {
      const args = { mission_id: id, work_item_id: "ffffffff", reason: "no" };
      assert.match(envelope(await call(tool, args)).error!, /work item not found: ffffffff/);
    }
    assert.match(
      envelope(await call("mission.get_status", { mission_id: "ffffffff" })).error!,
      /mission not found/,
    );

    // task.complete runs the mission hook: the work item's task moves the item on.
    const missionTask = (await host.town.channel.listTasks()).find((t) =>
      t.tags.includes(`mission:${id}`)
    );
    assert.ok(missionTask, "the scheduler assigned a mission task");
    const done = dataOf(
      await call("task.complete", { task_id: missionTask.id, result: "wrote the plan" }),
    );
    assert.equal(done.mission_sync.mission_id, id);
    // A doc item needs no reviewer: it is done, and with it the mission's only item.
    assert.equal(done.mission_sync.outcome, "completed");
    const after = dataOf(await call("mission.list_work", { mission_id: id, status: "done" }));
    assert.equal(after.count, started.work_item_count);
    const plain = dataOf(await call("backlog.add", { description: "not a mission task" }));
    await call("backlog.claim", { task_id: plain.task_id, agent: "worker-1" });
    const plainDone = dataOf(await call("task.complete", { task_id: plain.task_id }));
    assert.equal(plainDone.mission_sync, null);

    const all = await client.readResource({ uri: "tinytown://missions" });
    assert.equal(JSON.parse(String(all.contents[0].text))[0].id, id);
    const one = await client.readResource({ uri: `tinytown://missions/${id}` });
    const detail = JSON.parse(String(one.contents[0].text));
    assert.equal(detail.mission.id, id);
    assert.equal(detail.work_items.length, started.work_item_count);
  } finally {
    await close();
  }
});
