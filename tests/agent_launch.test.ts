import assert from "node:assert/strict";
import { join } from "node:path";
import { agentLoopArgv, launchAgentLoop, runAgentLoopForeground } from "../src/agent/launch.ts";
import {
  ensureTtShim,
  mainModulePath,
  shellQuote,
  ttArgv,
  ttShimScript,
} from "../src/agent/tt_shim.ts";
import { TtError } from "../src/errors.ts";
import { VERSION } from "../src/version.ts";
import { waitFor } from "./helpers/redis.ts";
import { withTempDir } from "./helpers/fs.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, session, ...]. */
async function procStat(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

async function isGone(pid: number): Promise<boolean> {
  const fields = await procStat(pid);
  return fields === undefined || fields[0] === "Z";
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("ttArgv: under deno run, runs main.ts of this checkout", async () => {
  const argv = ttArgv();
  assert.deepEqual(argv, [Deno.execPath(), "run", "--allow-all", "--quiet", mainModulePath()]);
  assert.ok(mainModulePath().endsWith("/main.ts"));
  assert.ok((await Deno.stat(mainModulePath())).isFile);
});

Deno.test("shellQuote: sh reads every quoted word back unchanged", async () => {
  const words = ["plain", "a b", "it's", "'", "''x'", '$HOME `id` \\ "q"', ""];
  const script = `printf '%s\\n' ${words.map(shellQuote).join(" ")}`;
  const r = await run(["sh", "-c", script]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, words.map((w) => `${w}\n`).join(""));
});

Deno.test("ttShimScript: both paths are quoted and arguments are passed through", () => {
  assert.equal(
    ttShimScript("/opt/de'no/deno", "/src/my tt/main.ts"),
    `#!/bin/sh\nexec '/opt/de'\\''no/deno' run --allow-all --quiet '/src/my tt/main.ts' "$@"\n`,
  );
});

Deno.test("ensureTtShim: <binDir>/tt runs this same tt", async () => {
  await withTempDir(async (dir) => {
    const binDir = join(dir, ".tt", "bin");
    assert.equal(await ensureTtShim(binDir), binDir);
    const shim = join(binDir, "tt");
    assert.equal((Deno.statSync(shim).mode ?? 0) & 0o777, 0o700);
    const r = await run([shim, "--version"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `tt ${VERSION}`);
  });
});

Deno.test("ensureTtShim: an up-to-date shim is left alone, a stale one is replaced", async () => {
  await withTempDir(async (dir) => {
    const shim = join(dir, "tt");
    await ensureTtShim(dir);
    const first = await Deno.stat(shim);
    await ensureTtShim(dir);
    assert.equal((await Deno.stat(shim)).ino, first.ino, "rewritten although unchanged");

    await Deno.writeTextFile(shim, "#!/bin/sh\necho stale\n");
    await ensureTtShim(dir);
    assert.equal(
      await Deno.readTextFile(shim),
      ttShimScript(Deno.execPath(), mainModulePath()),
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["tt"], "temp file left");
  });
});

Deno.test("ensureTtShim: concurrent calls all succeed and leave one shim", async () => {
  await withTempDir(async (dir) => {
    await Promise.all(Array.from({ length: 8 }, () => ensureTtShim(dir)));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["tt"]);
    assert.equal(
      await Deno.readTextFile(join(dir, "tt")),
      ttShimScript(Deno.execPath(), mainModulePath()),
    );
  });
});

Deno.test("ensureTtShim: a compiled tt is linked, and switching modes never clobbers it", async () => {
  await withTempDir(async (dir) => {
    const exe = join(dir, "tt-compiled");
    const exeScript = '#!/bin/sh\necho "compiled tt $*"\n';
    await Deno.writeTextFile(exe, exeScript, { mode: 0o755 });
    const binDir = join(dir, "bin");
    const shim = join(binDir, "tt");
    const binary = { kind: "binary", execPath: exe } as const;
    const script = { kind: "script", denoPath: "/opt/deno", mainPath: "/src/main.ts" } as const;

    // A script left by a `deno run` tt is replaced by the link.
    await ensureTtShim(binDir, script);
    await ensureTtShim(binDir, binary);
    assert.equal(await Deno.readLink(shim), exe);
    const r = await run([shim, "--version"]);
    assert.equal(r.stdout, "compiled tt --version\n");
    const linked = await Deno.lstat(shim);
    await ensureTtShim(binDir, binary);
    assert.equal((await Deno.lstat(shim)).ino, linked.ino, "relinked although unchanged");

    // Back to a script: the link is replaced, the binary it pointed to is untouched.
    await ensureTtShim(binDir, script);
    assert.equal(await Deno.readTextFile(shim), ttShimScript("/opt/deno", "/src/main.ts"));
    assert.equal(await Deno.readTextFile(exe), exeScript);
    assert.deepEqual([...Deno.readDirSync(binDir)].map((e) => e.name), ["tt"]);
  });
});

Deno.test("agentLoopArgv: tt --town <root> agent-loop <name> <id> <maxRounds> [extra]", () => {
  const opts = { root: "/towns/a b", name: "worker", id: "id-1", maxRounds: 10 };
  assert.deepEqual(agentLoopArgv(opts), [
    ...ttArgv(),
    "--town",
    "/towns/a b",
    "agent-loop",
    "worker",
    "id-1",
    "10",
  ]);
  assert.deepEqual(agentLoopArgv({ ...opts, command: ["/bin/tt"], extraArgs: ["-v"] }), [
    "/bin/tt",
    "--town",
    "/towns/a b",
    "agent-loop",
    "worker",
    "id-1",
    "10",
    "-v",
  ]);
});

Deno.test("launchAgentLoop: the loop outlives its launcher, in its own session", async () => {
  await withTempDir(async (dir) => {
    const logFile = join(dir, ".tt", "logs", "worker.log");
    await Deno.mkdir(join(dir, ".tt", "logs"), { recursive: true });
    await Deno.writeTextFile(logFile, "earlier line\n");
    let pid = 0;
    try {
      const r = await run([Deno.execPath(), "run", "-A", fixture("cli_launcher.ts"), dir, logFile]);
      assert.equal(r.code, 0, r.stderr);
      pid = Number(r.stdout.trim());
      assert.ok(pid > 0, r.stdout);

      // The launcher has exited; the loop must still run, in a session of its own.
      const fields = await procStat(pid);
      assert.ok(fields && fields[0] !== "Z", `loop ${pid} is not running`);
      const ours = await procStat(Deno.pid);
      assert.notEqual(fields[3], ours?.[3], "same session as the test");
      assert.equal(fields[3], String(pid), "not a session leader");

      const expected =
        `earlier line\nfake loop: --town ${dir} agent-loop worker agent-id-1 3 --extra\n`;
      await waitFor(
        "the loop's log line",
        async () => (await Deno.readTextFile(logFile)) === expected,
      );
    } finally {
      if (pid > 0) {
        try {
          Deno.kill(-pid, "SIGKILL");
        } catch {
          // already gone
        }
        await waitFor(`loop ${pid} to die`, () => isGone(pid));
      }
    }
  });
});

Deno.test("launchAgentLoop: a program that cannot start is a TtError", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      launchAgentLoop({
        root: dir,
        name: "worker",
        id: "id-1",
        maxRounds: 1,
        logFile: join(dir, "worker.log"),
        command: ["tt-no-such-program-xyz"],
      }),
      (err) => err instanceof TtError && /worker/.test(err.message) && !err.message.includes("\n"),
    );
  });
});

Deno.test("runAgentLoopForeground: returns the loop's exit code", async () => {
  await withTempDir(async (dir) => {
    const code = await runAgentLoopForeground({
      root: dir,
      name: "worker",
      id: "id-1",
      maxRounds: 1,
      command: ["sh", fixture("cli_exit.sh"), "7"],
    });
    assert.equal(code, 7);
  });
});

Deno.test("runAgentLoopForeground: a program that cannot start is a TtError", async () => {
  await assert.rejects(
    runAgentLoopForeground({
      root: "/tmp",
      name: "worker",
      id: "id-1",
      maxRounds: 1,
      command: ["tt-no-such-program-xyz"],
    }),
    TtError,
  );
});
