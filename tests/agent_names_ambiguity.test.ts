/**
 * No two agents can be taken for each other: a new name equal (ignoring case) to a name or
 * nickname in the town is refused, and so is a nickname equal to a name, atomically in the
 * create script. References resolve with a fixed precedence: exact name, name ignoring case,
 * id or id prefix, nickname, `Nickname [role]` label. Nicknames are printable, at most 40.
 */
import assert from "node:assert/strict";
import { type Agent, newAgent } from "../src/model/agent.ts";
import { BOYS } from "../src/model/nicknames.ts";
import type { Store } from "../src/store/store.ts";
import { chaosTown } from "./fixtures/chaos_town.ts";
import type { TtResult } from "./helpers/tt.ts";

function oneErrorLine(r: TtResult, pattern: RegExp): void {
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], pattern);
}

/** Writes a record as another tool would: no checks, straight into the hash and the index. */
async function writeRecord(store: Store, name: string, extra: Partial<Agent> = {}) {
  const agent: Agent = { ...newAgent(name, "claude"), state: "idle", ...extra };
  await store.agents.save(agent);
  return agent;
}

async function names(store: Store): Promise<string[]> {
  return (await store.agents.list()).map((a) => a.name).sort();
}

Deno.test("spawn refuses a name or nickname another agent has, ignoring case", async () => {
  const town = await chaosTown({ name: "ambig" });
  try {
    await town.ok("spawn", "api", "--cli", "true");
    oneErrorLine(
      await town.tt("spawn", "API", "--cli", "true"),
      /differs from agent 'api' only in case/,
    );
    await town.ok("spawn", "w1", "--cli", "true", "--nickname", "Tom");
    oneErrorLine(await town.tt("spawn", "Tom", "--cli", "true"), /is the nickname of agent 'w1'/);
    oneErrorLine(await town.tt("spawn", "tom", "--cli", "true"), /is the nickname of agent 'w1'/);
    oneErrorLine(
      await town.tt("spawn", "w2", "--cli", "true", "--nickname", "API"),
      /nickname 'API' is the name of agent 'api'/,
    );
    assert.deepEqual(await names(town.store), ["api", "w1"]);

    // A stopped agent still counts, and the error says how to remove it; its exact name may
    // be taken over (a new agent of the same name), as before.
    await town.ok("kill", "api");
    oneErrorLine(await town.tt("spawn", "Api", "--cli", "true"), /tt prune/);
    await town.ok("spawn", "api", "--cli", "true");
    assert.deepEqual(await names(town.store), ["api", "api", "w1"]);

    // Nicknames are not unique: a shared one is ambiguous, and the error names both.
    await town.ok("spawn", "w3", "--cli", "true", "--nickname", "tom");
    oneErrorLine(await town.tt("send", "Tom", "hello"), /ambiguous: Tom \[w1\].*tom \[w3\]/);
  } finally {
    await town.done();
  }
});

Deno.test("parallel spawns of one name in different cases: exactly one wins", async () => {
  const town = await chaosTown({ name: "ambig-race" });
  try {
    const spellings = ["api", "API", "Api", "aPi", "apI", "APi"];
    const results = await Promise.all(spellings.map((n) => town.tt("spawn", n, "--cli", "true")));
    const won = results.filter((r) => r.code === 0);
    assert.equal(won.length, 1, results.map((r) => r.stderr).join(""));
    for (const r of results.filter((r) => r.code !== 0)) {
      oneErrorLine(r, /only in case|already running/);
    }
    assert.equal((await town.store.agents.list()).length, 1);
  } finally {
    await town.done();
  }
});

Deno.test("a nickname picked from the id never equals a name in the town", async () => {
  const town = await chaosTown({ name: "ambig-nick" });
  try {
    // Every boys' nickname is taken as a name (by stopped agents): about half of the ids pick
    // one of them, and spawn must choose another id for those.
    for (const name of new Set(BOYS)) await writeRecord(town.store, name, { state: "stopped" });
    const taken = new Set(BOYS.map((n) => n.toLowerCase()));
    for (let i = 1; i <= 6; i++) {
      const r = JSON.parse(
        await town.ok("spawn", `n${i}`, "--cli", "true", "--max-rounds", "0", "--json"),
      );
      assert.ok(!taken.has(String(r.nickname).toLowerCase()), `n${i} got ${r.nickname}`);
    }
  } finally {
    await town.done();
  }
});

Deno.test("nicknames: printable, at most 40 characters, one-line errors, nothing created", async () => {
  const town = await chaosTown({ name: "ambig-nick2" });
  try {
    const cases: [string, RegExp][] = [
      ["", /nickname must not be empty/],
      ["a\u0007b", /not printable \(U\+0007\)/],
      ["a\u202eb", /not printable \(U\+202E\)/],
      ["two\nlines", /not printable \(U\+000A\)/],
      ["x".repeat(41), /too long \(41 characters; at most 40\)/],
      [" Tom", /must not start or end with a space/],
      ["Conductor", /reserved for the conductor/],
    ];
    for (const [nick, pattern] of cases) {
      oneErrorLine(await town.tt("spawn", "w1", "--cli", "true", "--nickname", nick), pattern);
    }
    assert.deepEqual(await names(town.store), []);
    const ok = JSON.parse(
      await town.ok(
        "spawn",
        "w1",
        "--cli",
        "true",
        "--nickname",
        `Zoë ${"x".repeat(36)}`,
        "--json",
      ),
    );
    assert.equal(Array.from(ok.nickname as string).length, 40);
  } finally {
    await town.done();
  }
});

Deno.test("references resolve by exact name, name, id or id prefix, nickname, then label", async () => {
  const town = await chaosTown({ name: "ambig-ref" });
  try {
    const s = town.store;
    // Written as other tools might: checks bypassed, so the levels really compete.
    const tom = await writeRecord(s, "Tom", { nickname: "Zed" });
    const w9 = await writeRecord(s, "w9", { nickname: "Tom", roleId: "reviewer" });
    const abcd = await writeRecord(s, "abcd", { nickname: "Ann" });
    const q1 = await writeRecord(s, "q1", {
      id: "abcd1234-0000-4000-8000-000000000000",
      nickname: "Quinn",
    });
    const lower = await writeRecord(s, "api", { nickname: "P1" });
    const upper = await writeRecord(s, "Api", { nickname: "P2" });
    const id = async (ref: string) => (await s.agents.resolveAgent(ref)).id;

    assert.equal(await id("Tom"), tom.id, "a name beats a nickname");
    assert.equal(await id("tom"), tom.id, "a name in another case beats a nickname too");
    assert.equal(await id("abcd"), abcd.id, "a name beats an id prefix");
    assert.equal(await id("abcd1"), q1.id, "an id prefix");
    assert.equal(await id("ABCD1234"), q1.id, "an id prefix in upper case");
    assert.equal(await id(q1.id), q1.id);
    assert.equal(await id("zed"), tom.id, "a nickname");
    assert.equal(await id("Tom [reviewer]"), w9.id, "the label");
    assert.equal(await id("api"), lower.id, "the exact name first");
    assert.equal(await id("Api"), upper.id);
    // Both candidates are named, in either order (records written in one millisecond sort by id).
    await assert.rejects(
      () => s.agents.resolve("API"),
      (err: Error) =>
        /ambiguous/.test(err.message) && err.message.includes("P1 [api]") &&
        err.message.includes("P2 [Api]"),
    );

    // The commands use the same order: `tt kill Tom` stops the agent named Tom.
    await town.ok("kill", "Tom");
    assert.equal((await s.agents.get(tom.id))?.state, "stopped");
    assert.equal((await s.agents.get(w9.id))?.state, "idle");
  } finally {
    await town.done();
  }
});
