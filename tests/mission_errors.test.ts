/**
 * Mission error paths through the real CLI: bad objectives, a dependency cycle, gh missing,
 * gh failing or logged out — each one line on stderr, non-zero exit, nothing saved — and
 * short-id ambiguity, delete, and the state guards of resume/stop.
 */
import assert from "node:assert/strict";
import { newWatch } from "../src/model/mission.ts";
import { missionTown } from "./helpers/mission_town.ts";

const oneLine = (s: string) => s.trim().split("\n").length === 1;

Deno.test("mission errors: bad objectives, cycle, gh missing/failing; nothing saved", async () => {
  const town = await missionTown({ name: "mission-errors" });
  try {
    const none = await town.tt("mission", "start");
    assert.equal(none.code, 2);
    assert.match(none.stderr, /at least one --issue or --doc is required/);

    const bad = await town.tt("mission", "start", "-i", "not-an-issue");
    assert.equal(bad.code, 2);
    assert.ok(oneLine(bad.stderr), bad.stderr);
    assert.match(bad.stderr, /could not parse issue 'not-an-issue'/);

    const bare = await town.tt("mission", "start", "-i", "23");
    assert.notEqual(bare.code, 0, "a bare number without a GitHub origin remote");
    assert.match(bare.stderr, /needs the town's git remote 'origin'.*owner\/repo#23/);

    await town.ghState({
      issues: {
        "acme/app#1": { title: "First", body: "Blocked by #2" },
        "acme/app#2": { title: "Second", body: "Depends on #1" },
      },
    });
    const cycle = await town.tt("mission", "start", "-i", "acme/app#1", "-i", "acme/app#2");
    assert.equal(cycle.code, 1);
    assert.ok(oneLine(cycle.stderr), cycle.stderr);
    assert.match(cycle.stderr, /Cycle detected in work graph involving: First, Second/);

    const missing = await town.ttWithPath("/nonexistent", "mission", "start", "-i", "acme/app#1");
    assert.equal(missing.code, 1);
    assert.ok(oneLine(missing.stderr), missing.stderr);
    assert.match(missing.stderr, /gh \(the GitHub CLI\) is not installed.*gh auth login/);

    await town.ghState({ fail: "HTTP 502: Bad Gateway (https://api.github.com/graphql)" });
    const failing = await town.tt("mission", "start", "-i", "acme/app#1");
    assert.equal(failing.code, 1);
    assert.match(failing.stderr, /gh command failed: HTTP 502: Bad Gateway/);

    await town.ghState({
      fail: "To get started with GitHub CLI, please run:  gh auth login",
    });
    const loggedOut = await town.tt("mission", "start", "-i", "acme/app#1");
    assert.equal(loggedOut.code, 1);
    assert.match(loggedOut.stderr, /gh is not logged in to GitHub.*run 'gh auth login'/);

    assert.deepEqual(await town.store.missions.allIds(), [], "no failed start left a mission");
    assert.match(await town.ok("mission", "list", "--all"), /No missions found/);

    const unknown = await town.tt("mission", "status", "-r", "abcd");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /mission not found: abcd/);
    const tooShort = await town.tt("mission", "stop", "abc");
    assert.equal(tooShort.code, 1);
    assert.match(tooShort.stderr, /4\+ characters/);
  } finally {
    await town.done();
  }
});

Deno.test("mission lifecycle: short ids, stop/resume guards, note, delete removes every key", async () => {
  const town = await missionTown({ name: "mission-life" });
  try {
    const started = JSON.parse(await town.ok("mission", "start", "-d", "docs/a.md", "--json"));
    const id: string = started.mission.id;
    assert.equal(started.work_items[0].kind, "design");
    const short = id.slice(0, 4);

    const listed = JSON.parse(await town.ok("mission", "list", "--json"));
    assert.equal(listed.count, 1);
    assert.equal(listed.missions[0].id, id);
    assert.match(await town.ok("mission", "status"), new RegExp(`${short} \\(Running\\)`));

    assert.match(await town.ok("mission", "resume", short), /already running/);
    assert.match(await town.ok("mission", "stop", short), /stopped/);
    assert.equal((await town.store.missions.get(id))!.state, "blocked");
    assert.deepEqual(await town.store.missions.activeIds(), []);
    assert.match(await town.ok("mission", "resume", id), /resumed/);
    assert.equal((await town.store.missions.get(id))!.state, "running");

    await town.ok("mission", "note", short, "pause for the release");
    const tick = JSON.parse(await town.ok("mission", "dispatch", "--once", "--json"));
    assert.deepEqual(tick.claimed, [id]);
    const paused = (await town.store.missions.get(id))!;
    assert.equal(paused.state, "blocked");
    assert.match(paused.blocked_reason!, /^Paused by conductor: pause for the release/);

    await town.ok("mission", "stop", short, "--force");
    assert.equal((await town.store.missions.get(id))!.state, "failed");
    const resumeFailed = await town.tt("mission", "resume", short);
    assert.equal(resumeFailed.code, 1);
    assert.match(resumeFailed.stderr, /has failed and cannot be resumed/);

    const del = JSON.parse(await town.ok("mission", "delete", short, "--json"));
    assert.equal(del.deleted, true);
    const left = await town.redis.scanAll(`tt:${town.name}:*mission*`);
    assert.deepEqual(left, [], "no key of the mission is left");
    const again = await town.tt("mission", "delete", id);
    assert.equal(again.code, 1);
  } finally {
    await town.done();
  }
});

Deno.test("mission dispatch --once: failed watch checks exit 1, one stderr line each", async () => {
  const town = await missionTown({ name: "mission-tick-fail" });
  try {
    const started = JSON.parse(await town.ok("mission", "start", "-d", "docs/a.md", "--json"));
    const id: string = started.mission.id;
    const [item] = await town.store.missions.workItems(id);
    const submitted = { ...item, status: "blocked" as const, artifact_refs: ["acme/app#7"] };
    await town.store.missions.saveWorkItems(submitted);
    const watches = [
      newWatch(submitted, "pr_checks", "acme/app#7", "create_fix_task", 180),
      newWatch(submitted, "mergeability", "acme/app#7", "advance_pipeline", 180),
    ];
    const due = () =>
      town.store.missions.saveWatches(
        ...watches.map((w) => ({ ...w, next_due_at: new Date(0).toISOString() })),
      );
    await due();

    const r = await town.ttWithPath("/nonexistent", "mission", "dispatch", "--once");
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Dispatcher tick: claimed 1 mission\(s\), processed 2 watch\(es\)/);
    // Watches are checked in stored (hash) order: the lines are compared sorted.
    const lines = r.stderr.trim().split("\n").sort();
    assert.equal(lines.length, 2, r.stderr);
    for (const [i, kind] of ["mergeability", "pr_checks"].entries()) {
      assert.match(
        lines[i],
        new RegExp(`^error: mission ${id} watch ${kind} acme/app#7: gh \\(the GitHub CLI\\)`),
      );
    }

    await due();
    const j = await town.ttWithPath("/nonexistent", "mission", "dispatch", "--once", "--json");
    assert.equal(j.code, 1);
    const tick = JSON.parse(j.stdout);
    assert.equal(tick.watches_failed, 2);
    assert.deepEqual(
      tick.failures.map((f: { watch_id: string; kind: string }) => [f.watch_id, f.kind]).sort(),
      watches.map((w) => [w.id, w.kind]).sort(),
    );
    assert.equal(j.stderr.trim().split("\n").length, 2);

    // Nothing due: a clean tick exits 0 and says nothing on stderr.
    const clean = await town.ttWithPath("/nonexistent", "mission", "dispatch", "--once");
    assert.equal(clean.code, 0);
    assert.equal(clean.stderr, "");
  } finally {
    await town.done();
  }
});
