import assert from "node:assert/strict";
import { ConfigError } from "../src/errors.ts";
import {
  effectiveAgentClis,
  normalizeLegacyCliName,
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
  assert.equal(resolveCli("gemini", clis).command, "gemini");
  const custom = resolveCli(" ollama run 'big model' ", clis);
  assert.equal(custom.name, "ollama run 'big model'");
  assert.deepEqual(custom.argv, ["ollama", "run", "big model"]);
  assert.throws(() => resolveCli(`tool "x`, clis), ConfigError);
});
