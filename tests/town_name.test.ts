import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../src/errors.ts";
import { deriveTownName, sanitizeTownName, validateTownName } from "../src/town/name.ts";

// Keep the user's git configuration (and any broken global config) out of the tests.
const GIT_ENV = { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };

async function git(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", {
    args: [
      "-c",
      "user.name=tt test",
      "-c",
      "user.email=tt@example.invalid",
      "-c",
      "init.defaultBranch=main",
      "-c",
      "commit.gpgsign=false",
      ...args,
    ],
    cwd: dir,
    env: GIT_ENV,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tt_name_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("repo with commits: {repo}-{branch}, slashes become dashes", async () => {
  await withTempDir(async (dir) => {
    const repo = join(dir, "redisearch");
    await Deno.mkdir(join(repo, "sub"), { recursive: true });
    await git(repo, "init", "-q");
    await git(repo, "commit", "-q", "--allow-empty", "-m", "first");
    assert.equal(await deriveTownName(repo, GIT_ENV), "redisearch-main");
    await git(repo, "checkout", "-q", "-b", "feature/auth");
    assert.equal(await deriveTownName(join(repo, "sub"), GIT_ENV), "redisearch-feature-auth");
    await git(repo, "checkout", "-q", "--detach");
    assert.equal(await deriveTownName(repo, GIT_ENV), "redisearch-HEAD");
  });
});

Deno.test("repo without commits: the repo name alone", async () => {
  await withTempDir(async (dir) => {
    const repo = join(dir, "fresh");
    await Deno.mkdir(repo);
    await git(repo, "init", "-q");
    assert.equal(await deriveTownName(repo, GIT_ENV), "fresh");
  });
});

Deno.test("plain folder: its name, sanitised; missing folder: tinytown", async () => {
  await withTempDir(async (dir) => {
    const plain = join(dir, "my project: v2");
    await Deno.mkdir(plain);
    // The ceiling stops git from finding a repository that might enclose TMPDIR.
    const env = { ...GIT_ENV, GIT_CEILING_DIRECTORIES: dir };
    assert.equal(await deriveTownName(plain, env), "my-project-v2");
    assert.equal(await deriveTownName(join(dir, "does-not-exist"), GIT_ENV), "tinytown");
  });
});

Deno.test("sanitizeTownName produces valid names", () => {
  const cases: Array<[string, string]> = [
    ["ok.name_1-x", "ok.name_1-x"],
    ["a b\tc", "a-b-c"],
    ["..hidden", "hidden"],
    ["-x-", "x"],
    ["日本", "tinytown"],
    ["", "tinytown"],
    ["x".repeat(80), "x".repeat(64)],
  ];
  for (const [input, want] of cases) {
    assert.equal(sanitizeTownName(input), want, input);
    validateTownName(sanitizeTownName(input));
  }
});

Deno.test("validateTownName rejects bad names with a clear message", () => {
  for (const bad of ["", "a b", "a/b", ".x", "-x", "x".repeat(65), "tt:town"]) {
    assert.throws(() => validateTownName(bad), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^invalid town name ".*": it /);
      return true;
    }, bad);
  }
  for (const good of ["a", "myrepo-main", "x.y_z", "A1", "x".repeat(64)]) validateTownName(good);
});
