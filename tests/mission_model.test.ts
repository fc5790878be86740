/**
 * Mission mode's pure parts: record JSON in tinytown's field order, objective parsing, the
 * compiler (dependencies, kinds, roles, cycles), routing scores, check rollups, PR refs, and
 * the `[mission]` config table.
 */
import assert from "node:assert/strict";
import { newAgent } from "../src/model/agent.ts";
import {
  decodeMission,
  decodeWorkItem,
  DEFAULT_POLICY,
  encodeMission,
  encodeWatch,
  encodeWorkItem,
  newMission,
  newWatch,
  newWorkItem,
  recordWatchFailure,
} from "../src/model/mission.ts";
import {
  compileWorkItems,
  CycleError,
  dependencyNumbers,
  inferKind,
  inferOwnerRole,
} from "../src/mission/compiler.ts";
import { missionConfigFrom } from "../src/mission/config.ts";
import { parsePrRef } from "../src/mission/github.ts";
import { parseIssueRef, repoFromRemote } from "../src/mission/objectives.ts";
import { baseScore, chooseAgent, laneOf } from "../src/mission/routing.ts";
import { prRefs } from "../src/mission/submission.ts";
import { checkStatus, overallStatus } from "../src/mission/watches.ts";

Deno.test("mission JSON: serde field order, nulls present, round trip", () => {
  const m = newMission([{ type: "issue", owner: "acme", repo: "app", number: 23 }, {
    type: "doc",
    path: "docs/x.md",
  }], DEFAULT_POLICY);
  const text = encodeMission(m);
  assert.deepEqual(Object.keys(JSON.parse(text)), [
    "id",
    "objective_refs",
    "state",
    "policy",
    "created_at",
    "updated_at",
    "next_wake_at",
    "blocked_reason",
    "dispatcher_last_tick_at",
    "dispatcher_last_progress_at",
    "dispatcher_last_help_request_at",
    "dispatcher_last_help_request_reason",
    "dispatcher_help_request_attempts",
  ]);
  assert.match(
    text,
    /"objective_refs":\[\{"type":"issue","owner":"acme","repo":"app","number":23\}/,
  );
  assert.deepEqual(decodeMission(text), m);
  const w = newWorkItem(m.id, { title: "T", owner_role: "backend" });
  assert.deepEqual(Object.keys(JSON.parse(encodeWorkItem(w))), [
    "id",
    "mission_id",
    "title",
    "kind",
    "depends_on",
    "owner_role",
    "status",
    "assigned_to",
    "artifact_refs",
    "reviewer_approved",
    "source_ref",
    "created_at",
    "updated_at",
  ]);
  assert.deepEqual(decodeWorkItem(encodeWorkItem(w)), w);
  assert.equal(decodeWorkItem("{bad"), undefined);
  const watch = newWatch(w, "pr_checks", "acme/app#1", "create_fix_task", 180);
  assert.match(encodeWatch(watch), /"kind":"pr_checks".*"on_trigger":"create_fix_task"/);
  const failed = recordWatchFailure(recordWatchFailure(watch));
  assert.equal(failed.consecutive_failures, 2);
  const due = Date.parse(failed.next_due_at) - Date.parse(failed.last_check_at!);
  assert.ok(due >= 119_000 && due <= 121_000, "second failure backs off 120 s");
  // A record tinytown wrote without the defaulted fields still reads.
  const { dispatcher_help_request_attempts: _, ...old } = JSON.parse(text);
  assert.equal(decodeMission(JSON.stringify(old)).dispatcher_help_request_attempts, 0);
});

Deno.test("objectives: numbers via origin, owner/repo#N, URLs; remotes", async () => {
  const origin = () => Promise.resolve({ owner: "o", repo: "r" });
  const none = () => Promise.resolve(undefined);
  assert.deepEqual(await parseIssueRef("23", origin), {
    type: "issue",
    owner: "o",
    repo: "r",
    number: 23,
  });
  assert.equal(await parseIssueRef("23", none), undefined);
  assert.deepEqual(await parseIssueRef("acme/app#5", none), {
    type: "issue",
    owner: "acme",
    repo: "app",
    number: 5,
  });
  assert.deepEqual(await parseIssueRef("https://github.com/acme/app/issues/9", none), {
    type: "issue",
    owner: "acme",
    repo: "app",
    number: 9,
  });
  assert.equal(await parseIssueRef("https://github.com/acme/app/issues/9/", none), undefined);
  assert.equal(await parseIssueRef("app#5", none), undefined);
  assert.equal(await parseIssueRef("--repo/x#1; rm", none), undefined);
  assert.deepEqual(repoFromRemote("git@github.com:acme/app.git"), { owner: "acme", repo: "app" });
  assert.deepEqual(repoFromRemote("https://github.com/acme/app\n"), { owner: "acme", repo: "app" });
  assert.equal(repoFromRemote("https://gitlab.com/acme/app"), undefined);
});

Deno.test("compiler: dependency phrases, kinds, roles, cycles", () => {
  assert.deepEqual([...dependencyNumbers("Depends on #1, #2 and #3; blocked by #4 & #5")], [
    1,
    2,
    3,
    4,
    5,
  ]);
  assert.deepEqual([...dependencyNumbers("REQUIRES #7")], [7]);
  assert.deepEqual([...dependencyNumbers("thereafter #5")], [5], "no word boundaries");
  assert.deepEqual([...dependencyNumbers("see #5")], []);
  assert.equal(inferKind("Write an RFC"), "design");
  assert.equal(inferKind("Add tests"), "test");
  assert.equal(inferKind("Merge the branches"), "mergegate");
  assert.equal(inferKind("Add a thing"), "implement");
  assert.equal(inferOwnerRole("Add the API", "implement"), "backend");
  assert.equal(inferOwnerRole("Add tests", "test"), "tester");
  assert.equal(inferOwnerRole("quick thing", "implement"), "frontend", "substring 'ui'");
  const items = compileWorkItems("m", [
    { owner: "a", repo: "b", number: 2, title: "Second", body: "after #1" },
    { owner: "a", repo: "b", number: 1, title: "First", body: "" },
    { owner: "a", repo: "b", number: 3, title: "Third", body: "depends on #99" },
  ], ["docs/d.md"]);
  const titles = items.map((w) => w.title);
  assert.ok(titles.indexOf("First") < titles.indexOf("Second"), "topological order");
  assert.equal(items.at(-1)!.kind, "design");
  assert.equal(items.at(-1)!.source_ref, "docs/d.md");
  const second = items.find((w) => w.title === "Second")!;
  assert.equal(second.source_ref, "a/b#2/#2");
  assert.deepEqual(second.depends_on, [items.find((w) => w.title === "First")!.id]);
  assert.deepEqual(items.find((w) => w.title === "Third")!.depends_on, []);
  assert.throws(
    () =>
      compileWorkItems("m", [
        { owner: "a", repo: "b", number: 1, title: "A", body: "after #2" },
        { owner: "a", repo: "b", number: 2, title: "B", body: "after #1" },
      ]),
    (err) => err instanceof CycleError && /involving: A, B/.test(err.message),
  );
});

Deno.test("routing: lanes, scores, load penalty, reviewers never take implement work", () => {
  const agent = (name: string, roleId?: string) => newAgent(name, "sh", { roleId });
  const backend = agent("backend-dev");
  const tester = agent("tester");
  const reviewer = agent("alice", "audit");
  assert.equal(laneOf(reviewer), "reviewer");
  assert.equal(laneOf(agent("qa-bot")), "tester");
  const impl = { kind: "implement" as const, owner_role: null };
  assert.equal(baseScore(reviewer, impl), 0);
  assert.equal(baseScore(backend, { kind: "implement", owner_role: "backend" }), 100);
  assert.equal(baseScore(reviewer, { kind: "review", owner_role: "backend" }), 120);
  assert.equal(baseScore(tester, { kind: "implement", owner_role: "backend" }), 5);
  assert.equal(chooseAgent(impl, [tester, backend]), backend);
  assert.equal(chooseAgent(impl, [reviewer]), undefined);
  const busy = new Map([[backend.id, 2]]);
  assert.equal(chooseAgent(impl, [backend, agent("worker")], busy)!.name, "worker", "60-60 < 60");
});

Deno.test("watches: check status mapping and rollup fold, PR refs", () => {
  assert.equal(checkStatus("success"), "success");
  assert.equal(checkStatus("in_progress"), "pending");
  assert.equal(checkStatus("timed_out"), "failure");
  assert.equal(checkStatus(""), "unknown");
  const c = (raw: string) => ({ name: "x", raw });
  assert.equal(overallStatus([]), "unknown");
  assert.equal(overallStatus([c("success"), c("")]), "success", "unknown yields");
  assert.equal(overallStatus([c("success"), c("pending")]), "pending");
  assert.equal(overallStatus([c("failure"), c("success")]), "failure", "failure sticks");
  assert.deepEqual(parsePrRef("https://github.com/acme/app/pull/7"), {
    owner: "acme",
    repo: "app",
    number: 7,
  });
  assert.deepEqual(parsePrRef("acme/app#8"), { owner: "acme", repo: "app", number: 8 });
  assert.equal(parsePrRef("nonsense"), undefined);
  assert.deepEqual(prRefs(["PR https://github.com/a/b/pull/3 and a/b#3", "x/y#1"]), [
    "a/b#3",
    "https://github.com/a/b/pull/3",
    "x/y#1",
  ]);
});

Deno.test("config: [mission] max_fix_attempts, checked", () => {
  assert.equal(missionConfigFrom({}).maxFixAttempts, 3);
  assert.equal(missionConfigFrom({ mission: { max_fix_attempts: 5 } }).maxFixAttempts, 5);
  assert.throws(() => missionConfigFrom({ mission: { max_fix_attempts: 0 } }), /1 to 1000/);
  assert.throws(() => missionConfigFrom({ mission: "x" }), /must be a table/);
});
