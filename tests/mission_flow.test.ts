/**
 * Whole missions offline: scripted agents (tests/fixtures/mission_agent.sh) and the `gh`
 * stand-in. Two issues, the second depending on the first, go through the DAG, a PR whose
 * checks fail once (fix task with the failed step's log), review and watches, to completion;
 * and the same with --no-reviewer and no PR.
 */
import assert from "node:assert/strict";
import { missionTown, waitFor } from "./helpers/mission_town.ts";

const ISSUES = {
  "acme/app#1": { title: "Add rate limiting to the API", body: "Limit each key to 100 rps." },
  "acme/app#2": { title: "Show limits in the dashboard", body: "Depends on #1." },
};
const FAILING_THEN_GREEN = {
  views: [
    {
      statusCheckRollup: [
        { name: "lint", conclusion: "SUCCESS" },
        {
          name: "unit-tests",
          conclusion: "FAILURE",
          detailsUrl: "https://github.com/acme/app/actions/runs/555/job/9",
        },
      ],
      mergeable: "MERGEABLE",
      reviewDecision: "",
      reviews: [],
    },
    {
      statusCheckRollup: [{ name: "lint", conclusion: "SUCCESS" }, {
        name: "unit-tests",
        conclusion: "SUCCESS",
      }],
      mergeable: "MERGEABLE",
      reviewDecision: "APPROVED",
      reviews: [],
    },
  ],
};
const LOG = "Run deno test\nFAIL rate_limit_test.ts\nexpected status 429, got 200";

Deno.test("mission: two dependent issues, failing checks fixed, reviewed, completed", async () => {
  const town = await missionTown();
  try {
    await town.ghState({ issues: ISSUES, new_prs: [FAILING_THEN_GREEN], runs: { "555": LOG } });
    await town.ok("spawn", "backend-dev", "--cli", town.agentCli(), "--max-rounds", "100");
    await town.ok("spawn", "reviewer", "--cli", town.agentCli(), "--max-rounds", "100");
    await waitFor(
      "agents idle",
      async () => (await town.store.agents.list()).filter((a) => a.state === "idle").length === 2,
      30_000,
    );

    const started = JSON.parse(
      await town.ok("mission", "start", "-i", "acme/app#1", "-i", "acme/app#2", "--json"),
    );
    const id: string = started.mission.id;
    assert.equal(started.work_items.length, 2);
    const [first, second] = started.work_items;
    assert.deepEqual(second.depends_on, [first.id], "issue 2 depends on issue 1");
    assert.equal(first.owner_role, "backend");
    assert.equal(started.scheduler_bootstrap.total_assigned, 1, "only the first is ready");

    const dispatcher = town.dispatcher("--interval", "1");
    const mission = async () => (await town.store.missions.get(id))!;
    await waitFor("mission completed", async () => (await mission()).state === "completed", 180_000)
      .catch(async (err) => {
        const log = await town.store.missions.logLines(id, 100);
        throw new Error(`${err.message}\n${log.reverse().join("\n")}`);
      });

    const tasks = (await town.store.tasks.list()).filter((t) => t.tags.includes(`mission:${id}`));
    const fix = tasks.filter((t) => t.description.startsWith("[Mission Fix Required]"));
    assert.equal(fix.length, 1, "one fix task for the one failure");
    assert.match(fix[0].description, /Failing checks: unit-tests/);
    assert.match(fix[0].description, /expected status 429, got 200/, "the failed step's log");
    assert.match(fix[0].description, /https:\/\/github\.com\/acme\/app\/pull\/101/);
    assert.equal(fix[0].state, "completed");
    const reviews = tasks.filter((t) => t.description.startsWith("[Mission Review]"));
    assert.ok(reviews.length >= 2, "both items reviewed");
    assert.ok(reviews.every((t) => t.result?.startsWith("approved:")));

    const calls = await town.ghCalls();
    const creates = calls.filter((c) => c[0] === "pr" && c[1] === "create");
    assert.equal(creates.length, 2, "one PR per issue");
    assert.ok(calls.some((c) => c.join(" ") === "run view 555 --repo acme/app --log-failed"));
    assert.ok(calls.some((c) => c.join(" ") === "issue view 2 --repo acme/app --json title,body"));

    const items = await town.store.missions.workItems(id);
    assert.ok(
      items.every((w) => w.status === "done" && w.reviewer_approved),
      JSON.stringify(items) + (await town.store.missions.logLines(id, 100)).reverse().join("\n"),
    );
    const watches = await town.store.missions.watches(id);
    assert.equal(watches.length, 8, "four watches per PR");
    assert.ok(watches.every((w) => w.status === "done"));
    assert.equal((await town.store.missions.activeIds()).includes(id), false);

    // The second item was promoted only after the first was done.
    const log = (await town.store.missions.logLines(id, 100)).reverse().join("\n");
    const firstDone = log.indexOf(`'${ISSUES["acme/app#1"].title}' completed`) >= 0
      ? log.indexOf(`'${ISSUES["acme/app#1"].title}' completed`)
      : log.indexOf(`'${ISSUES["acme/app#1"].title}' finalized`);
    const promoted = log.indexOf(`'${ISSUES["acme/app#2"].title}' promoted to ready`);
    assert.ok(firstDone >= 0 && promoted > firstDone, log);
    assert.match(log, /Mission completed - all work items and watches done/);

    const events = await town.redis.xrange(town.store.keys.missionEvents(id));
    assert.ok(events.length > 5, "mission events on the mission stream");
    const status = JSON.parse(await town.ok("mission", "status", "-r", id.slice(0, 6), "--json"));
    assert.equal(status.mission.state, "completed");
    dispatcher.kill("SIGTERM");
    assert.equal((await dispatcher.status).code, 0, "the dispatcher stops cleanly on SIGTERM");
  } finally {
    await town.done();
  }
});

Deno.test("mission: --no-reviewer and no PR completes through task completion alone", async () => {
  const town = await missionTown({ name: "mission-nopr" });
  try {
    await town.ghState({ issues: ISSUES });
    await town.ok("spawn", "worker-1", "--cli", town.agentCli("nopr"), "--max-rounds", "100");
    await waitFor(
      "agent idle",
      async () => (await town.store.agents.list()).some((a) => a.state === "idle"),
      30_000,
    );
    const out = await town.ok(
      "mission",
      "start",
      "-i",
      "acme/app#1",
      "-i",
      "acme/app#2",
      "--no-reviewer",
    );
    assert.match(out, /Mission started!/);
    assert.match(out, /Reviewer required: false/);
    const id = /ID: ([0-9a-f-]{36})/.exec(out)![1];
    // The worker is busy when its first completion promotes the second item; the dispatcher
    // hands that out once it is idle again.
    town.dispatcher("--interval", "1");
    await waitFor(
      "mission completed",
      async () => (await town.store.missions.get(id))!.state === "completed",
      60_000,
    );
    const calls = await town.ghCalls();
    assert.equal(calls.filter((c) => c[0] === "pr").length, 0, "no PR made or watched");
    const tasks = (await town.store.tasks.list()).filter((t) => t.tags.includes(`mission:${id}`));
    assert.equal(tasks.length, 2, "one work task per item, no review");
    assert.equal((await town.store.missions.watches(id)).length, 0);
    const list = await town.ok("mission", "list", "--all");
    assert.match(list, /Completed/);
  } finally {
    await town.done();
  }
});
