/**
 * `tt spawn` and `tt restart` refuse, with one line, an agent CLI that cannot run: its program
 * is not on the PATH the agent would get (or not where a relative path points from the CLI's
 * workdir), or its workdir is not a directory. Running claude as root without IS_SANDBOX is
 * warned about with the exact fix. tt runs here with a PATH that holds only redis-server and the
 * stand-in programs a test puts there, so no real agent CLI on this machine can interfere.
 */
import assert from "node:assert/strict";
import { parse, stringify } from "smol-toml";
import { makeTestTown, oneErrorLine, type TestTown } from "./helpers/tt.ts";
import { waitFor } from "./helpers/redis.ts";
import { findOnPath } from "./helpers/fs.ts";

/** A folder for PATH with redis-server in it (tt starts the town's server by that name). */
async function binDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tt-bin-" });
  await Deno.symlink(findOnPath("redis-server"), `${dir}/redis-server`);
  return dir;
}

async function fakeProgram(path: string): Promise<void> {
  await Deno.writeTextFile(path, "#!/bin/sh\nexit 0\n");
  await Deno.chmod(path, 0o755);
}

type Tables = Record<string, Record<string, unknown>>;

/** Replaces or adds `[agent_clis.<name>]` tables in the town's tinytown.toml. */
async function setClis(town: TestTown, tables: Tables): Promise<void> {
  const file = `${town.dir}/tinytown.toml`;
  const doc = parse(await Deno.readTextFile(file)) as Record<string, unknown>;
  const clis = doc.agent_clis as Record<string, unknown>;
  for (const [name, table] of Object.entries(tables)) clis[name] = { name, env: {}, ...table };
  await Deno.writeTextFile(file, stringify(doc));
}

/**
 * Runs `fn` with a town whose tt runs get PATH = a folder holding redis-server (and what the
 * test adds). `inProcess`: for tests where every spawn is refused; a spawn that succeeds starts
 * an agent loop, which runs tt as a subprocess.
 */
async function withTown(
  fn: (town: TestTown, bin: string) => Promise<void>,
  env = {},
  inProcess = false,
) {
  const bin = await binDir();
  const town = await makeTestTown({ name: "checks", env: { PATH: bin, ...env }, inProcess });
  try {
    await fn(town, bin);
  } finally {
    await town.tt("stop");
    await town.cleanup();
    await Deno.remove(bin, { recursive: true });
  }
}

async function agentCount(town: TestTown): Promise<number> {
  return (JSON.parse(await town.ok("list", "--json")) as unknown[]).length;
}

const INSTALL: Record<string, [program: string, how: string]> = {
  claude: ["claude", "npm install -g @anthropic-ai/claude-code"],
  codex: ["codex", "npm install -g @openai/codex"],
  "codex-mini": ["codex", "npm install -g @openai/codex"],
  gemini: ["gemini", "npm install -g @google/gemini-cli"],
  copilot: ["copilot", "npm install -g @github/copilot"],
  auggie: ["auggie", "npm install -g @augmentcode/auggie"],
  aider: ["aider", "pip install aider-chat"],
  cursor: ["cursor-agent", "Cursor's installer: curl https://cursor.com/install -fsS | bash"],
};

Deno.test("spawn refuses a preset whose program is missing, saying how to install it", async () => {
  await withTown(
    async (town) => {
      for (const [cli, [program, how]] of Object.entries(INSTALL)) {
        const r = await town.tt("spawn", `w-${cli}`, "--cli", cli);
        assert.equal(
          oneErrorLine(r, { code: 1 }),
          `error: agent CLI '${cli}' runs '${program}', which is not on PATH; install it with: ${how}`,
        );
      }
      assert.equal(await agentCount(town), 0, "nothing was created");
    },
    {},
    true,
  );
});

Deno.test("spawn looks the program up on the agent's PATH and relative to its workdir", async () => {
  await withTown(async (town) => {
    const own = await Deno.makeTempDir({ prefix: "tt-own-path-" });
    try {
      await fakeProgram(`${own}/gemini`);
      await Deno.mkdir(`${town.dir}/sub/bin`, { recursive: true });
      await fakeProgram(`${town.dir}/sub/bin/tool`);
      await setClis(town, {
        // Not on tt's PATH, but on the PATH its table gives the CLI.
        gemini: { command: "gemini --yolo --skip-trust", env: { PATH: own } },
        rel: { command: "./bin/tool --fast", workdir: "sub" },
        relroot: { command: "./bin/tool" },
        inpath: { command: "tool", workdir: "sub", env: { PATH: "bin" } },
      });
      await town.ok("spawn", "g", "--cli", "gemini", "--max-rounds", "0");
      await town.ok("spawn", "r", "--cli", "rel", "--max-rounds", "0");
      // A relative PATH entry is looked up from the workdir too, as the CLI will be.
      await town.ok("spawn", "p", "--cli", "inpath", "--max-rounds", "0");
      const r = await town.tt("spawn", "x", "--cli", "relroot");
      assert.equal(
        oneErrorLine(r, { code: 1 }),
        `error: agent CLI 'relroot' runs './bin/tool', which is not in ` +
          `${await Deno.realPath(town.dir)} ` +
          "(check [agent_clis.relroot] command and workdir in tinytown.toml)",
      );
      assert.equal(await agentCount(town), 3);
    } finally {
      await Deno.remove(own, { recursive: true });
    }
  });
});

Deno.test("spawn refuses a program that is not executable and a workdir that is no directory", async () => {
  await withTown(
    async (town, bin) => {
      await Deno.writeTextFile(`${bin}/plain`, "not a program\n");
      await Deno.writeTextFile(`${town.dir}/a-file`, "");
      await setClis(town, {
        plain: { command: "plain" },
        nodir: { command: "sh -c true", workdir: "missing/dir" },
        filedir: { command: "sh -c true", workdir: "a-file" },
      });
      const plain = await town.tt("spawn", "a", "--cli", "plain");
      assert.equal(
        oneErrorLine(plain, { code: 1 }),
        `error: agent CLI 'plain' runs 'plain', but ${bin}/plain is not executable`,
      );
      const root = await Deno.realPath(town.dir);
      for (const [cli, dir] of [["nodir", "missing/dir"], ["filedir", "a-file"]]) {
        const r = await town.tt("spawn", "b", "--cli", cli);
        assert.equal(
          oneErrorLine(r, { code: 1 }),
          `error: agent CLI '${cli}': its workdir ${root}/${dir} is not a directory ` +
            `([agent_clis.${cli}] workdir = "${dir}" in tinytown.toml, relative to the town root)`,
        );
      }
      assert.equal(await agentCount(town), 0);
    },
    {},
    true,
  );
});

Deno.test("restart refuses when the CLI's program has gone since the spawn", async () => {
  await withTown(async (town, bin) => {
    await fakeProgram(`${bin}/mytool`);
    await setClis(town, { mine: { command: "mytool --go" } });
    await town.ok("spawn", "w", "--cli", "mine", "--max-rounds", "0");
    await waitFor("the loop to end", async () => {
      const [agent] = JSON.parse(await town.ok("list", "--json")) as { state: string }[];
      return agent.state === "stopped";
    });
    await Deno.remove(`${bin}/mytool`);
    const r = await town.tt("restart", "w");
    assert.equal(
      oneErrorLine(r, { code: 1 }),
      "error: agent CLI 'mine' runs 'mytool', which is not on PATH " +
        "(check [agent_clis.mine] command in tinytown.toml)",
    );
    await fakeProgram(`${bin}/mytool`);
    await town.ok("restart", "w", "--max-rounds", "0");
  });
});

function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

const CLAUDE_WARNING = "warning: claude refuses --dangerously-skip-permissions as root unless " +
  'IS_SANDBOX=1 is set; add IS_SANDBOX = "1" under [agent_clis.claude.env] in tinytown.toml ' +
  "(or export IS_SANDBOX=1 before starting tt)";

Deno.test({
  name: "spawn as root warns that claude needs IS_SANDBOX, unless the CLI will have it",
  ignore: !isRoot(),
  fn: async () => {
    await withTown(async (town, bin) => {
      await fakeProgram(`${bin}/claude`);
      const warned = await town.tt("spawn", "a", "--cli", "claude", "--max-rounds", "0");
      assert.equal(warned.code, 0, warned.stderr);
      assert.deepEqual(warned.stderr.trim().split("\n"), [CLAUDE_WARNING]);

      // claude checks for exactly "1".
      await setClis(town, {
        claude: {
          command: "claude --print --dangerously-skip-permissions",
          env: { IS_SANDBOX: "yes" },
        },
      });
      const notOne = await town.tt("spawn", "b", "--cli", "claude", "--max-rounds", "0");
      assert.deepEqual(notOne.stderr.trim().split("\n"), [CLAUDE_WARNING]);
      await setClis(town, {
        claude: {
          command: "claude --print --dangerously-skip-permissions",
          env: { IS_SANDBOX: "1" },
        },
      });
      const quiet = await town.tt("spawn", "c", "--cli", "claude", "--max-rounds", "0");
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.equal(quiet.stderr.trim(), "");
    }, { IS_SANDBOX: "" });
  },
});

Deno.test({
  name: "spawn as root does not warn when tt's own environment has IS_SANDBOX",
  ignore: !isRoot(),
  fn: async () => {
    await withTown(async (town, bin) => {
      await fakeProgram(`${bin}/claude`);
      const r = await town.tt("spawn", "a", "--cli", "claude", "--max-rounds", "0");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr.trim(), "");
    }, { IS_SANDBOX: "1" });
  },
});
