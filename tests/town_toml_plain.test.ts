/**
 * The plain-TOML reader (src/town/toml_plain.ts) gives what smol-toml gives, or leaves the
 * document to it: on the files tt writes, on hand-written edge cases, and on random documents.
 * loadTownConfig, which uses it, loads and fails as parseTownConfig (smol-toml) does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "smol-toml";
import { ConfigError } from "../src/errors.ts";
import {
  loadTownConfig,
  newTownConfig,
  parseTownConfig,
  townConfigToToml,
} from "../src/town/config.ts";
import { envFrom } from "../src/town/env.ts";
import { defaultGlobalConfig } from "../src/town/global_config.ts";
import { parsePlainToml } from "../src/town/toml_plain.ts";

function smol(text: string): unknown {
  try {
    return parse(text, { integersAsBigInt: true });
  } catch (err) {
    return err instanceof Error ? `error: ${err.message}` : err;
  }
}

/** Plain gives smol-toml's document, or undefined; `plain` says which is expected. */
function check(text: string, plain?: boolean): void {
  const mine = parsePlainToml(text);
  if (mine !== undefined) assert.deepStrictEqual(mine, smol(text), JSON.stringify(text));
  if (plain !== undefined) assert.equal(mine !== undefined, plain, JSON.stringify(text));
}

Deno.test("the tinytown.toml files tt writes are plain and read as smol-toml reads them", () => {
  const global = defaultGlobalConfig();
  check(townConfigToToml(newTownConfig("t", global, envFrom({}))), true);
  global.agentClis = { mine: "my-tool --yes 'quoted arg'" };
  global.redis = { host: "127.0.0.1", port: 16379, password: "tt_0123", useCentral: true };
  const central = newTownConfig("central-town.1", global, envFrom({}));
  central.agentClis.mine.env = { TOKEN: "x y", EMPTY: "" };
  central.townhall.auth.apiKeyScopes = ["read", "write"];
  check(townConfigToToml(central), true);
});

Deno.test("plain TOML edge cases: read as smol-toml does, or left to it", () => {
  const plain = [
    "",
    "\n\n",
    'name = "t"',
    'name="t"\n  port =  -0\nx = +7\ny = 12345678901234567890123\nz = 0',
    '# comment "with" = things\n[a.b]\nk = true\n[a]\nj = false\n[c]\n',
    'esc = "say \\"hi\\" \\\\ back"\nlist = [ "a", "b" ,"c\\"" ]\nnone = []\nsp = [  ]\nodd = "#not a comment" \t',
    "[a]\n[a.b.c]\n[a.b]\nk = 1",
    'unicode = "héllo ✓"\nquote = "it\'s"\nconstructor = "c"\n1 = "one"\n[toString]\n',
  ];
  const left = [
    "\ufeffname = 1",
    'name = "t"\r\n',
    'x = "a\\nb"',
    'x = "\\u00e9"',
    'x = "a\\"',
    'x = "tab\there"',
    "x = 'literal'",
    'x = """multi"""',
    "x = 1.5",
    "x = 1e3",
    "x = 1_000",
    "x = 0x10",
    "x = 01",
    "x = inf",
    "x = 1979-05-27",
    "x = { a = 1 }",
    'x = ["a", "b",]',
    "x = [1, 2]",
    'x = [\n"a"\n]',
    'x = "a" # trailing comment',
    "a.b = 1",
    '"quoted" = 1',
    "x = 1\nx = 2",
    "[a]\n[a]",
    "[a.b]\n[a]\nb = 1",
    "a = 1\n[a]",
    "[a]\nb = 1\n[a.b]",
    "[[arr]]\nx = 1",
    "[ a ]",
    "[a] # c",
    "x =",
    "x = true false",
    "__proto__ = 1",
    "[__proto__]",
    "x = \x01",
    "garbage",
  ];
  for (const text of plain) check(text, true);
  for (const text of left) check(text, false);
});

Deno.test("random documents: the plain reader agrees with smol-toml whenever it answers", () => {
  // A fixed-seed generator, so a failure can be reproduced.
  let seed = 0x2545f491;
  const random = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const pick = <T>(xs: readonly T[]) => xs[random(xs.length)];
  const keys = ["a", "b", "name", "x-y", "k_1", "7", "a.b", '"q"', "__proto__", "", "é"];
  const values = [
    '"s"',
    '""',
    '"a b"',
    '"#"',
    '"\\t"',
    '"\t"',
    '"a\\"b"',
    '"\\\\"',
    '"\\\\\\""',
    '"\\u00e9"',
    '"\\"',
    '["\\"", "\\\\"]',
    "'l'",
    "true",
    "false",
    "True",
    "0",
    "-1",
    "+2",
    "007",
    "1.0",
    "99999999999999999999",
    "[]",
    '["a"]',
    '[ "a" , "b" ]',
    '["a",]',
    "[1]",
    "{}",
    '"x" # c',
    "",
  ];
  const headers = [
    "[a]",
    "[b]",
    "[a.b]",
    "[a.c]",
    "[b.a.x]",
    "[[a]]",
    "[ a ]",
    "[a.]",
    "[]",
    "[7]",
  ];
  const spaces = ["", " ", "  ", "\t"];
  let answered = 0;
  for (let n = 0; n < 3000; n++) {
    const lines: string[] = [];
    for (let i = random(8); i >= 0; i--) {
      const kind = random(10);
      if (kind < 2) lines.push(pick(headers));
      else if (kind < 3) lines.push(pick(["", "# note", "  # x = 1", "\t"]));
      else {
        lines.push(
          `${pick(spaces)}${pick(keys)}${pick(spaces)}=${pick(spaces)}${pick(values)}` +
            pick(spaces),
        );
      }
    }
    const text = lines.join("\n") + pick(["", "\n"]);
    if (parsePlainToml(text) !== undefined) answered++;
    check(text);
  }
  assert.ok(answered > 250, `the plain reader answered ${answered} of 3000`);
});

Deno.test("loadTownConfig loads and fails as parseTownConfig does, plain file or not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tt-toml-plain-" });
  try {
    const file = join(dir, "tinytown.toml");
    const texts = [
      townConfigToToml(newTownConfig("t", defaultGlobalConfig(), envFrom({}))),
      'name = "t" # a comment: not plain\nmax_agents = 3\n[agent]\nlease_secs = 5\n',
      'name = "t"\nmax_agents = 1.0\n',
      'name = "t"\nmax_agents = = 3\n',
      'name = "bad name"\n',
      "max_agents = 3\n",
    ];
    for (const text of texts) {
      await Deno.writeTextFile(file, text);
      const outcome = (f: () => unknown) => {
        try {
          return f();
        } catch (err) {
          assert.ok(err instanceof ConfigError, String(err));
          return `ConfigError: ${err.message}`;
        }
      };
      const loaded = await loadTownConfig(dir).catch((err) =>
        outcome(() => {
          throw err;
        })
      );
      assert.deepStrictEqual(loaded, outcome(() => parseTownConfig(text, file)), text);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
