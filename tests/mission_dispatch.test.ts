/**
 * The dispatcher under trouble: a lease held by a live dispatcher (caught mid-tick in `gh`),
 * that dispatcher SIGKILLed and a second one taking over when the lease expires (nothing lost,
 * nothing done twice), a fix that keeps failing escalated after max_fix_attempts, and a
 * long-lived dispatcher that rides out a Redis restart with one help request, not a flood.
 */
import assert from "node:assert/strict";
import { newAgent } from "../src/model/agent.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { newWatch, type WorkItem } from "../src/model/mission.ts";
import { type MissionTown, missionTown, waitFor } from "./helpers/mission_town.ts";

const FAILING = {
  views: [{
    statusCheckRollup: [{
      name: "unit-tests",
      conclusion: "FAILURE",
      detailsUrl: "https://github.com/acme/app/actions/runs/555/job/1",
    }],
    mergeable: "MERGEABLE",
    reviewDecision: "",
    reviews: [],
  }],
};

/** A running mission whose one item is submitted as PR acme/app#7 with a due pr_checks watch. */
async function submittedMission(town: MissionTown): Promise<{ id: string; item: WorkItem }> {
  await town.ghState({
    issues: { "acme/app#1": { title: "Add rate limiting to the API", body: "" } },
    prs: { "acme/app#7": FAILING },
    runs: { "555": "step 3\nFAIL: expected 429" },
  });
  const started = JSON.parse(await town.ok("mission", "start", "-i", "acme/app#1", "--json"));
  const id: string = started.mission.id;
  const agent = { ...newAgent("backend-dev", "sh"), state: "idle" as const };
  await town.store.agents.save(agent);
  const [item] = await town.store.missions.workItems(id);
  const submitted: WorkItem = {
    ...item,
    status: "blocked",
    assigned_to: agent.id,
    artifact_refs: ["PR acme/app#7"],
    reviewer_approved: true,
  };
  await town.store.missions.saveWorkItems(submitted);
  await town.store.missions.saveWatches(
    newWatch(submitted, "pr_checks", "acme/app#7", "create_fix_task", 180),
  );
  return { id, item: submitted };
}

const fixTasks = async (town: MissionTown, itemId: string) =>
  (await town.store.tasks.list()).filter((t) =>
    t.tags.includes(`work-item:${itemId}`) && t.tags.includes("mission-fix-task")
  );

const helpQueries = async (town: MissionTown, id: string) =>
  (await town.redis.lrange(town.store.keys.inbox(SUPERVISOR_ID), 0, -1))
    .filter((raw) => raw.includes(`[Mission Help Needed] Mission ${id}`));

Deno.test("dispatch: a held lease is respected; a SIGKILLed dispatcher is taken over", async () => {
  const town = await missionTown({ name: "mission-lock" });
  try {
    const { id, item } = await submittedMission(town);
    await Deno.writeTextFile(`${town.ghDir}/block`, "");
    const first = town.dispatcher("--interval", "1", "--lock-ttl", "3");
    await waitFor(
      "the first dispatcher to be inside gh",
      async () => (await town.ghCalls()).some((c) => c[0] === "pr" && c[1] === "view"),
      30_000,
    );
    assert.ok(await town.store.missions.lockHolder(id), "the first dispatcher holds the lease");

    const second = JSON.parse(await town.ok("mission", "dispatch", "--once", "--json"));
    assert.deepEqual(second.claimed, [], "a held mission is not claimed");
    assert.deepEqual(second.skipped, [id]);

    first.kill("SIGKILL");
    await first.status;
    await Deno.remove(`${town.ghDir}/block`);
    assert.equal((await fixTasks(town, item.id)).length, 0, "killed before it acted");

    let tick: { claimed: string[]; watches_triggered: number } = {
      claimed: [],
      watches_triggered: 0,
    };
    await waitFor("a second dispatcher to take over", async () => {
      tick = JSON.parse(await town.ok("mission", "dispatch", "--once", "--json"));
      return tick.claimed.includes(id);
    }, 30_000);
    assert.equal(tick.watches_triggered, 1);
    const fixes = await fixTasks(town, item.id);
    assert.equal(fixes.length, 1, "exactly one fix task");
    assert.match(fixes[0].description, /FAIL: expected 429/);
    assert.equal(await town.store.missions.lockHolder(id), null, "the lease is released");
    const again = JSON.parse(await town.ok("mission", "dispatch", "--once", "--json"));
    assert.deepEqual(again.claimed, [id]);
    assert.equal((await fixTasks(town, item.id)).length, 1, "the snoozed watch is not re-run");
  } finally {
    await town.done();
  }
});

Deno.test("dispatch: a fix that keeps failing is escalated after max_fix_attempts", async () => {
  const town = await missionTown({
    name: "mission-fixcap",
    config: "[mission]\nmax_fix_attempts = 1",
  });
  try {
    const { id, item } = await submittedMission(town);
    await town.ok("mission", "dispatch", "--once");
    const [fix] = await fixTasks(town, item.id);
    assert.ok(fix, "the first failure makes a fix task");
    const done = JSON.parse(
      await town.ok("task", "complete", fix.id, "--result", "fixed: acme/app#7", "--json"),
    );
    assert.equal(done.mission_sync.outcome, "waiting_for_review");
    await town.ok("mission", "dispatch", "--once");
    assert.equal((await fixTasks(town, item.id)).length, 1, "no second fix task");
    const help = await helpQueries(town, id);
    assert.equal(help.length, 1);
    assert.match(help[0], /after 1 fix attempt\(s\) \(max_fix_attempts = 1\)/);
    assert.match(help[0], /FAIL: expected 429/, "the escalation carries the evidence");
    const bad = await town.ok("mission", "note", id, "resume after manual fix");
    assert.match(bad, /Queued dispatcher note/);
    assert.equal((await helpQueries(town, id)).length, 0, "a note retires the help request");
  } finally {
    await town.done();
  }
});

Deno.test("dispatch: a long-lived dispatcher survives a Redis restart; help is not repeated", async () => {
  const town = await missionTown({ name: "mission-redis" });
  try {
    const toml = `${town.dir}/tinytown.toml`;
    await Deno.writeTextFile(
      toml,
      (await Deno.readTextFile(toml)).replace(/^persist = .*$/m, "persist = true"),
    );
    await town.ok("stop");
    await town.ok("start");
    await town.reconnect();
    const out = await town.ok("mission", "start", "-d", "docs/plan.md");
    const id = /ID: ([0-9a-f-]{36})/.exec(out)![1];
    const dispatcher = town.dispatcher("--interval", "1");
    let stderr = "";
    (async () => {
      for await (const chunk of dispatcher.stderr.pipeThrough(new TextDecoderStream())) {
        stderr += chunk;
      }
    })();
    const ticks = new Set<string>();
    await waitFor("three ticks", async () => {
      const t = (await town.store.missions.get(id))?.dispatcher_last_tick_at;
      if (t) ticks.add(t);
      return ticks.size >= 3;
    }, 30_000);
    assert.equal((await helpQueries(town, id)).length, 1, "one help request over many ticks");

    const pid = Number((await Deno.readTextFile(`${town.dir}/.tt/redis.pid`)).trim());
    Deno.kill(pid, "SIGKILL");
    await waitFor(
      "a failed tick reported",
      () => stderr.includes("dispatcher tick failed"),
      30_000,
    );
    await town.ok("start");
    await town.reconnect();
    await town.ok("mission", "note", id, "pause until Monday");
    await waitFor(
      "the note processed after the restart",
      async () => (await town.store.missions.get(id))?.state === "blocked",
      30_000,
    );
    assert.match((await town.store.missions.get(id))!.blocked_reason!, /pause until Monday/);
    assert.equal(
      await Promise.race([dispatcher.status.then(() => "exited"), Promise.resolve("running")]),
      "running",
      "the dispatcher never exited",
    );
  } finally {
    await town.done();
  }
});
