import assert from "node:assert/strict";
import { cliInvocation } from "../src/agent/runner.ts";
import { ConfigError } from "../src/errors.ts";
import {
  effectiveAgentClis,
  normalizeLegacyCliName,
  PRESET_CLI_NAMES,
  PRESET_CLIS,
  resolveCli,
  resolveCliName,
  splitCommand,
} from "../src/town/cli_presets.ts";

Deno.test("splitCommand: the codex-mini preset unquotes its -c value", () => {
  const command = Object.fromEntries(PRESET_CLIS)["codex-mini"];
  assert.deepEqual(splitCommand(command, "codex-mini"), [
    "codex",
    "exec",
    "--dangerously-bypass-approvals-and-sandbox",
    "-c",
    "allow_login_shell=false",
    "-m",
    "gpt-5.4-mini",
    "-c",
    "model_reasoning_effort=medium",
  ]);
});

Deno.test("splitCommand: quotes, escapes and whitespace", () => {
  const cases: Array<[string, string[]]> = [
    ["  a   b\tc\n", ["a", "b", "c"]],
    [`a 'b c' "d e"`, ["a", "b c", "d e"]],
    [`a 'it''s' x`, ["a", "its", "x"]],
    [`a '' ""`, ["a", "", ""]],
    [`a 'no \\escape "here"'`, ["a", `no \\escape "here"`]],
    [`a "q\\"uote" "back\\\\slash" "keep\\n"`, ["a", `q"uote`, "back\\slash", "keep\\n"]],
    [`a b\\ c \\'d\\'`, ["a", "b c", "'d'"]],
    [`a x=\\"1\\"`, ["a", `x="1"`]],
    [`a x="1"`, ["a", "x=1"]],
    ["a \\\nb", ["a", "b"]],
    [`pre"mid"post'end'`, ["premidpostend"]],
  ];
  for (const [input, want] of cases) assert.deepEqual(splitCommand(input, "t"), want, input);
});

Deno.test("splitCommand: errors are ConfigErrors naming the CLI", () => {
  const cases: Array<[string, RegExp]> = [
    [`tool "open`, /^agent CLI 'mycli': unterminated double quote in command: tool "open$/],
    [`tool 'open`, /unterminated single quote/],
    [`tool \\`, /trailing backslash/],
    [`   `, /no program/],
  ];
  for (const [input, pattern] of cases) {
    assert.throws(() => splitCommand(input, "mycli"), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, pattern);
      return true;
    });
  }
});

Deno.test("legacy names map exact strings only", () => {
  assert.equal(normalizeLegacyCliName("claude --print --dangerously-skip-permissions"), "claude");
  assert.equal(normalizeLegacyCliName(" auggie --print "), "auggie");
  assert.equal(normalizeLegacyCliName("codex --dangerously-bypass-approvals-and-sandbox"), "codex");
  assert.equal(
    normalizeLegacyCliName("codex exec --dangerously-bypass-approvals-and-sandbox"),
    "codex",
  );
  assert.equal(normalizeLegacyCliName("aider --yes --no-auto-commits --message"), "aider");
  assert.equal(normalizeLegacyCliName("claude --print"), "claude --print");
  assert.equal(normalizeLegacyCliName("gemini"), "gemini");
});

Deno.test("resolveCliName follows key, command, alias, verbatim", () => {
  const clis = effectiveAgentClis({
    mine: { name: "mine", command: "my-tool --fast", env: {} },
  });
  assert.equal(resolveCliName("", clis), "claude");
  assert.equal(resolveCliName("  codex-mini ", clis), "codex-mini");
  assert.equal(resolveCliName("my-tool --fast", clis), "mine");
  assert.equal(resolveCliName("auggie --print", clis), "auggie");
  assert.equal(resolveCliName("claude --model opus", clis), "claude");
  assert.equal(resolveCliName("gh copilot suggest", clis), "copilot");
  assert.equal(resolveCliName("gh pr list", clis), "gh pr list");
  assert.equal(resolveCliName("codex -m gpt-5.4-mini", clis), "codex-mini");
  assert.equal(resolveCliName("codex --interactive", clis), "codex");
  assert.equal(resolveCliName("ollama run llama", clis), "ollama run llama");
});

Deno.test("resolveCli returns a known CLI or splits a custom command", () => {
  const clis = effectiveAgentClis({});
  assert.equal(resolveCli("gemini", clis).command, "gemini --yolo --skip-trust");
  const custom = resolveCli(" ollama run 'big model' ", clis);
  assert.equal(custom.name, "ollama run 'big model'");
  assert.deepEqual(custom.argv, ["ollama", "run", "big model"]);
  assert.throws(() => resolveCli(`tool "x`, clis), ConfigError);
});

// --- Presets the real CLIs accept (issue 9 §2) ---------------------------------------------

const PRESET = Object.fromEntries(PRESET_CLIS);

Deno.test("presets: the command lines the real CLIs accept headless", () => {
  assert.equal(PRESET["claude"], "claude --print --dangerously-skip-permissions");
  assert.equal(PRESET["auggie"], "auggie --print --shell sh");
  assert.equal(
    PRESET["codex"],
    "codex exec --dangerously-bypass-approvals-and-sandbox -c allow_login_shell=false",
  );
  // Untrusted folders are refused headless, and without yolo there are no shell/write tools.
  assert.equal(PRESET["gemini"], "gemini --yolo --skip-trust");
  // GitHub's agent CLI is the standalone `copilot`; without --allow-all-tools every shell call
  // is denied while it still exits 0.
  assert.equal(
    PRESET["copilot"],
    "copilot --allow-all-tools --allow-all-paths --no-ask-user --no-color --no-auto-update",
  );
  // Cursor's agent CLI, not the editor launcher.
  assert.equal(PRESET["cursor"], "cursor-agent --print --force --trust --output-format text");
  assert.equal(
    PRESET["aider"],
    "aider --yes-always --no-auto-commits --no-pretty --no-check-update --no-analytics " +
      "--message-file",
  );
});

Deno.test("presets: each CLI gets the prompt the way it reads one, never as an argument", () => {
  const clis = effectiveAgentClis({});
  const prompt = "SECRET-PROMPT line one\nline two";
  const file = "/town/.tt/agents/w/round-1.prompt";
  const seen = new Map<string, { args: string[]; stdin?: string }>();
  for (const name of PRESET_CLI_NAMES) {
    const inv = cliInvocation(clis.get(name)!, file, prompt);
    assert.ok(!inv.args.some((a) => a.includes("SECRET-PROMPT")), `${name} puts it on argv`);
    seen.set(name, inv);
  }
  for (const name of ["claude", "codex", "codex-mini", "gemini", "copilot"]) {
    assert.equal(seen.get(name)!.stdin, prompt, `${name} reads stdin`);
  }
  assert.deepEqual(seen.get("auggie")!.args.slice(-2), ["--instruction-file", file]);
  assert.equal(seen.get("auggie")!.stdin, undefined);
  assert.deepEqual(seen.get("aider")!.args.slice(-2), ["--message-file", file]);
  assert.equal(seen.get("aider")!.stdin, undefined);
  // Cursor's agent CLI takes its prompt as an argument: it gets a reference to the file.
  const cursor = seen.get("cursor")!;
  assert.equal(cursor.stdin, undefined);
  assert.ok(cursor.args.at(-1)!.includes(file), cursor.args.at(-1));
  assert.deepEqual(cursor.args.slice(0, -1), [
    "--print",
    "--force",
    "--trust",
    "--output-format",
    "text",
  ]);
});

Deno.test("aider: an old-style `--message` command still gets the prompt through a file", () => {
  const file = "/t/p.md";
  const aider = (command: string) =>
    cliInvocation(
      { name: "aider", command, argv: splitCommand(command, "aider"), env: {} },
      file,
      "the prompt",
    );
  assert.deepEqual(aider("aider --yes --message").args, ["--yes", "--message-file", file]);
  assert.deepEqual(aider("aider -m").args, ["--message-file", file]);
  assert.deepEqual(aider("aider --model x").args, ["--model", "x", "--message-file", file]);
  assert.deepEqual(aider("aider -f").args, ["-f", file]);
  assert.equal(aider("aider --yes --message").stdin, undefined);
});

Deno.test("legacy: old preset command lines normalise to today's presets", () => {
  assert.equal(normalizeLegacyCliName("gh copilot"), "copilot");
  assert.equal(normalizeLegacyCliName(" cursor "), "cursor");
  assert.equal(normalizeLegacyCliName("aider --yes --no-auto-commits --message"), "aider");
  const clis = effectiveAgentClis({
    // What `tt init` wrote into tinytown.toml before these presets changed.
    copilot: { name: "copilot", command: "gh copilot", env: { GH_TOKEN: "t" } },
    cursor: { name: "cursor", command: "cursor", workdir: "app", env: {} },
    gemini: { name: "gemini", command: "gemini", env: {} },
    aider: { name: "aider", command: "aider --yes --no-auto-commits --message", env: {} },
    mine: { name: "mine", command: "gh copilot --extra", env: {} },
  });
  for (const name of ["copilot", "cursor", "gemini", "aider"]) {
    assert.equal(clis.get(name)!.command, PRESET[name], name);
    assert.deepEqual(clis.get(name)!.argv, splitCommand(PRESET[name], name), name);
  }
  // What the table said besides the command is kept.
  assert.deepEqual(clis.get("copilot")!.env, { GH_TOKEN: "t" });
  assert.equal(clis.get("cursor")!.workdir, "app");
  // Only exact old lines are rewritten.
  assert.equal(clis.get("mine")!.command, "gh copilot --extra");
  // A stored reference to an old line finds the preset.
  assert.equal(resolveCliName("gh copilot", clis), "copilot");
  assert.equal(resolveCliName("aider --yes --no-auto-commits --message", clis), "aider");
  assert.equal(resolveCliName("cursor-agent -p", clis), "cursor");
  assert.equal(resolveCliName("copilot -p", clis), "copilot");
});

Deno.test("[agent_clis.X.env] names must be environment variable names", () => {
  for (const bad of ["", "A=B", "1ABC", "A B", "A\0"]) {
    assert.throws(
      () => effectiveAgentClis({ x: { name: "x", command: "x", env: { [bad]: "v" } } }),
      (err: unknown) => err instanceof ConfigError && /agent_clis\.x\.env/.test(err.message),
      JSON.stringify(bad),
    );
  }
  assert.throws(
    () => effectiveAgentClis({ x: { name: "x", command: "x", env: { A: "nul\0" } } }),
    ConfigError,
  );
  assert.deepEqual(
    effectiveAgentClis({ x: { name: "x", command: "x", env: { _A1: "v" } } }).get("x")!.env,
    { _A1: "v" },
  );
});
