/**
 * `tt logs <agent>`: the latest round's log by default, `--round N`, `--loop`, `--all` with
 * headers, `-n` last lines, `--list`/`--json` index, `-f` following the loop log and new
 * rounds until SIGTERM or SIGINT; bad input is one line. The logs outlive the agent's record.
 */
import assert from "node:assert/strict";
import { chaosTown, fixture, waitFor } from "./fixtures/chaos_town.ts";
import { oneErrorLine, ttCommand } from "./helpers/tt.ts";

const read = (path: string) => Deno.readTextFile(path).catch(() => "");

/** `tt logs …` running in the background, its output collected as it comes. */
function startFollow(town: { dir: string; env: Record<string, string> }, args: string[]) {
  const [cmd, ...pre] = ttCommand();
  const child = new Deno.Command(cmd, {
    args: [...pre, "--town", town.dir, "logs", ...args],
    env: { NO_COLOR: "1", ...town.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of child.stdout) text += decoder.decode(chunk, { stream: true });
  })();
  const stderr = new Response(child.stderr).text();
  return {
    child,
    output: () => text,
    async stop(signal: Deno.Signal) {
      child.kill(signal);
      const status = await child.status;
      await reading;
      return { status, stderr: await stderr };
    },
  };
}

Deno.test("tt logs prints round logs, the loop log, an index, and one-line errors", async () => {
  const town = await chaosTown({ name: "logs" });
  try {
    const dir = `${town.dir}/.tt/agents/w1`;
    const spawned = JSON.parse(
      await town.ok("spawn", "w1", "--cli", `sh ${fixture("cli_echo.sh")}`, "--json"),
    );
    assert.match(
      (await town.tt("logs", "w1")).stderr,
      /w1 has run no round yet; its loop log: tt logs w1 --loop/,
    );
    await town.ok("send", "w1", "message-one");
    await waitFor(
      "round 1",
      async () => (await read(`${dir}/round-1.log`)).includes("message-one"),
    );
    await town.ok("send", "w1", "message-two");
    await waitFor(
      "round 2",
      async () => (await read(`${dir}/round-2.log`)).includes("message-two"),
    );
    await waitFor("round 2 logged", async () => /Round 2 ok/.test(await read(`${dir}/loop.log`)));
    const round1 = await read(`${dir}/round-1.log`);
    const round2 = await read(`${dir}/round-2.log`);
    const loop = await read(`${dir}/loop.log`);

    assert.equal(await town.ok("logs", "w1"), round2, "the latest round by default");
    assert.equal(await town.ok("logs", spawned.nickname), round2, "any reference works");
    assert.equal(await town.ok("logs", "w1", "--round", "1"), round1);
    assert.equal(await town.ok("logs", "w1", "--loop"), loop);
    assert.equal(
      await town.ok("logs", "w1", "-n", "2"),
      round2.trimEnd().split("\n").slice(-2).join("\n") + "\n",
    );
    assert.equal(
      await town.ok("logs", "w1", "--all"),
      `==> ${dir}/round-1.log <==\n${round1}\n==> ${dir}/round-2.log <==\n${round2}\n` +
        `==> ${dir}/loop.log <==\n${loop}`,
    );
    const index = JSON.parse(await town.ok("logs", "w1", "--json"));
    assert.equal(index.agent, "w1");
    assert.equal(index.loop_log.path, `${dir}/loop.log`);
    assert.deepEqual(
      index.rounds.map((r: { round: number; log: string; prompt: string; log_bytes: number }) => [
        r.round,
        r.log,
        r.prompt,
        r.log_bytes,
      ]),
      [
        [1, `${dir}/round-1.log`, `${dir}/round-1.prompt`, new TextEncoder().encode(round1).length],
        [2, `${dir}/round-2.log`, `${dir}/round-2.prompt`, new TextEncoder().encode(round2).length],
      ],
    );
    assert.match(await town.ok("logs", "w1", "--list"), /^ {2}round 2 /m);

    oneErrorLine(await town.tt("logs", "w1", "--round", "9"), {
      code: 1,
      match: /no log of round 9 \(it has rounds 1-2\)/,
    });
    oneErrorLine(await town.tt("logs", "ghost"), { code: 1, match: /agent not found: ghost/ });
    oneErrorLine(await town.tt("logs", "conductor"), { code: 1, match: /conductor has no logs/ });
    oneErrorLine(await town.tt("logs", "w1", "--round", "0"), {
      code: 2,
      match: /--round must be a whole number/,
    });
    oneErrorLine(await town.tt("logs", "w1", "--round", "1", "--loop"), {
      code: 2,
      match: /cannot be used with/,
    });
    oneErrorLine(await town.tt("logs", "w1", "-f", "--json"), {
      code: 2,
      match: /cannot be used with/,
    });

    // The files outlive the record: a pruned agent's logs can still be read by its name.
    await town.ok("kill", "w1");
    await town.ok("prune");
    assert.equal(await town.ok("logs", "w1", "--round", "1"), round1);
  } finally {
    await town.done();
  }
});

Deno.test("tt logs -f follows the loop log and new rounds until SIGTERM / SIGINT", async () => {
  const town = await chaosTown({ name: "logs-follow" });
  try {
    const dir = `${town.dir}/.tt/agents/w1`;
    await town.ok("spawn", "w1", "--cli", `sh ${fixture("cli_echo.sh")}`);
    await town.ok("send", "w1", "message-one");
    await waitFor(
      "round 1",
      async () => (await read(`${dir}/round-1.log`)).includes("message-one"),
    );
    await waitFor("round 1 logged", async () => /Round 1 ok/.test(await read(`${dir}/loop.log`)));

    const all = startFollow(town, ["w1", "-f"]);
    const loopOnly = startFollow(town, ["w1", "--loop", "-f", "-n", "1"]);
    await waitFor("the latest round", () => all.output().includes("message-one"));
    await waitFor("the loop log's last line", () => /Round 1 ok/.test(loopOnly.output()));
    assert.ok(all.output().startsWith(`==> ${dir}/round-1.log <==\n`), all.output());
    assert.doesNotMatch(all.output(), /Round 1 ok/, "the loop log is followed from now");

    await town.ok("send", "w1", "message-two");
    await waitFor("round 2 in the output", () => all.output().includes("message-two"));
    await waitFor("the loop log's new lines", () => /Round 2 ok/.test(all.output()));
    const out = all.output();
    assert.match(out, new RegExp(`\\n==> ${dir}/round-2\\.log <==\\n`));
    const loopHeader = out.indexOf(`\n==> ${dir}/loop.log <==\n`);
    assert.ok(loopHeader > 0 && loopHeader < out.indexOf("Round 2: running"), out);
    await waitFor("the loop-only follower", () => /Round 2 ok/.test(loopOnly.output()));
    assert.doesNotMatch(loopOnly.output(), /==>|message-two/, "one file, no headers");

    const ended = await all.stop("SIGTERM");
    assert.equal(ended.status.code, 0, ended.stderr);
    assert.equal(ended.stderr, "");
    const interrupted = await loopOnly.stop("SIGINT");
    assert.equal(interrupted.status.code, 0, interrupted.stderr);
  } finally {
    await town.done();
  }
});
