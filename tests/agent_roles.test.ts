import assert from "node:assert/strict";
import {
  BACKLOG_SNAPSHOT_LIMIT,
  backlogNudge,
  backlogSnapshot,
  ROLE_BUCKETS,
  type RoleBucket,
  roleBucket,
  roleHint,
  roleKeywords,
  taskMatchesRole,
} from "../src/agent/roles.ts";
import { newTask, type Task } from "../src/model/task.ts";

const T0 = new Date(Date.UTC(2026, 3, 22, 10, 15));

function task(description: string, tags: string[] = [], n = 0): Task {
  const id = `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
  return newTask(description, { id, tags, now: T0 });
}

Deno.test("roleBucket: name substrings, first rule wins, surprises kept", () => {
  const table: [string, RoleBucket][] = [
    ["frontend", "frontend"],
    ["ui-dev", "frontend"],
    ["webby", "frontend"],
    ["client", "frontend"],
    ["builder", "frontend"], // contains "ui"
    ["guide", "frontend"], // contains "ui"
    ["frontend-reviewer", "frontend"], // frontend is checked before reviewer
    ["webtester", "frontend"],
    ["backend", "backend"],
    ["Backend", "backend"], // lowercased first
    ["api-gateway", "backend"],
    ["server", "backend"],
    ["tester", "tester"],
    ["qa", "tester"],
    ["reviewer", "reviewer"],
    ["auditor", "reviewer"],
    ["docs", "docs"],
    ["writer", "docs"],
    ["devops", "devops"],
    ["secops", "devops"], // contains "ops" before the security rule is reached
    ["infra", "devops"],
    ["deployer", "devops"],
    ["security", "security"],
    ["sec", "security"], // equality rule
    ["SEC", "security"],
    ["second", "general"], // "sec" only counts as the whole name
    ["worker", "general"],
    ["agent", "general"],
    ["researcher", "general"],
    ["", "general"],
  ];
  for (const [name, bucket] of table) {
    assert.equal(roleBucket(name), bucket, `name ${JSON.stringify(name)}`);
  }
});

Deno.test("roleBucket: an explicit role id wins, falling back to the name", () => {
  assert.equal(roleBucket("worker1", "reviewer"), "reviewer");
  assert.equal(roleBucket("backend", "security"), "security");
  assert.equal(roleBucket("alice", "Tester"), "tester");
  assert.equal(roleBucket("alice", "sec"), "security");
  // `default`, empty or unspecific role ids leave the decision to the name
  assert.equal(roleBucket("backend", "default"), "backend");
  assert.equal(roleBucket("backend", ""), "backend");
  assert.equal(roleBucket("backend", "  "), "backend");
  assert.equal(roleBucket("backend", "worker"), "backend");
  assert.equal(roleBucket("backend", "runner"), "backend");
  assert.equal(roleBucket("alice", "researcher"), "general");
  assert.equal(roleBucket("alice", undefined), "general");
});

Deno.test("taskMatchesRole: the cases tinytown's unit tests pin", () => {
  const demo = task("Add demo data mode", ["backend", "frontend", "data"]);
  assert.equal(taskMatchesRole(roleBucket("reviewer"), demo), false);
  assert.equal(
    taskMatchesRole(roleBucket("reviewer"), task("Check the login flow", ["review", "security"])),
    true,
  );
  assert.equal(
    taskMatchesRole(roleBucket("backend"), task("Something", ["backend", "data"])),
    true,
  );
  const generic = task("Do the thing");
  assert.equal(taskMatchesRole(roleBucket("worker"), generic), true);
  assert.equal(taskMatchesRole(roleBucket("agent"), generic), true);
});

Deno.test("taskMatchesRole: tags must equal a keyword, descriptions only contain one", () => {
  // a tag that merely contains a keyword does not match
  assert.equal(taskMatchesRole("backend", task("Polish things", ["apis"])), false);
  assert.equal(taskMatchesRole("backend", task("Polish things", ["API"])), true);
  assert.equal(taskMatchesRole("backend", task("Polish things", [" api"])), false);
  // description matching is an unanchored, case-insensitive substring test
  assert.equal(taskMatchesRole("backend", task("Make the RAPID path faster")), true);
  assert.equal(taskMatchesRole("devops", task("Be more specific")), true);
  assert.equal(taskMatchesRole("tester", task("Bump to the latest version")), true);
  assert.equal(taskMatchesRole("docs", task("Fix the Docker image")), true);
  assert.equal(taskMatchesRole("frontend", task("Fix the build")), true); // "build" has "ui"
  assert.equal(taskMatchesRole("frontend", task("Tune the planner")), false);
  assert.equal(taskMatchesRole("security", task("Harden it", ["Hardening"])), true);
});

Deno.test("taskMatchesRole: general matches everything, even an empty task", () => {
  assert.deepEqual(roleKeywords("general"), []);
  assert.equal(taskMatchesRole("general", task("")), true);
  assert.equal(taskMatchesRole("general", task("x", ["anything"])), true);
  for (const bucket of ROLE_BUCKETS) {
    if (bucket !== "general") assert.equal(taskMatchesRole(bucket, task("")), false, bucket);
  }
});

Deno.test("roleHint: one distinct sentence per bucket", () => {
  const hints = ROLE_BUCKETS.map(roleHint);
  assert.equal(new Set(hints).size, ROLE_BUCKETS.length);
  for (const hint of hints) {
    assert.ok(hint.length > 10 && !hint.includes("\n"), hint);
  }
  assert.match(roleHint("backend"), /database/);
  assert.match(roleHint("docs"), /readme/);
});

Deno.test("backlogSnapshot: counts matches, keeps the first ones in backlog order", () => {
  const tasks: (Task | undefined)[] = [];
  for (let i = 0; i < 12; i++) {
    tasks.push(i % 2 === 0 ? task(`API job ${i}`, [], i) : task(`Paint job ${i}`, [], i));
  }
  tasks.splice(3, 0, undefined); // a backlog id whose record is gone
  const snap = backlogSnapshot("backend", tasks);
  assert.equal(snap.total, 13);
  assert.equal(snap.matching, 6);
  assert.deepEqual(
    snap.shown.map((t) => t.description),
    ["API job 0", "API job 2", "API job 4", "API job 6", "API job 8", "API job 10"],
  );

  const general = backlogSnapshot("general", tasks);
  assert.equal(general.matching, 12);
  assert.equal(general.shown.length, BACKLOG_SNAPSHOT_LIMIT);
  assert.deepEqual(general.shown.map((t) => t.description).slice(0, 3), [
    "API job 0",
    "Paint job 1",
    "API job 2",
  ]);

  const limited = backlogSnapshot("backend", tasks, 2);
  assert.equal(limited.matching, 6);
  assert.deepEqual(limited.shown.map((t) => t.description), ["API job 0", "API job 2"]);

  assert.deepEqual(backlogSnapshot("docs", tasks), { total: 13, matching: 0, shown: [] });
  assert.deepEqual(backlogSnapshot("general", []), { total: 0, matching: 0, shown: [] });
});

Deno.test("backlogNudge: names the count and the claim command, fits a query line", () => {
  const text = backlogNudge("backend", 3);
  assert.match(text, /\b3 role-matching backlog task\(s\)/);
  assert.ok(text.endsWith("tt backlog claim <task-id> backend"), text);
  assert.ok(`question: ${text}`.length <= 120);
});
