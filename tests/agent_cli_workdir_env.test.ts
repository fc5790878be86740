/**
 * `[agent_clis.NAME] workdir` and `[agent_clis.NAME.env]`: the CLI runs in the workdir
 * (relative to the town root) with the table's variables over the inherited ones, while tt's
 * own TINYTOWN_* variables win and its shim stays first on PATH. `tt` called by the CLI from
 * the workdir still finds the town.
 */
import assert from "node:assert/strict";
import { parse, stringify } from "smol-toml";
import { makeTestTown } from "./helpers/tt.ts";
import { waitFor } from "./helpers/redis.ts";

const PROBE = new URL("./fixtures/cli_workdir_probe.sh", import.meta.url).pathname;

function envLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

Deno.test("an agent CLI runs in its workdir with its [agent_clis.X.env] variables", async () => {
  const town = await makeTestTown({
    name: "workdirenv",
    env: { TT_TEST_SHARED: "inherited", TT_TEST_INHERITED: "kept" },
  });
  try {
    await Deno.mkdir(`${town.dir}/work/dir`, { recursive: true });
    const file = `${town.dir}/tinytown.toml`;
    const doc = parse(await Deno.readTextFile(file)) as { agent_clis: Record<string, unknown> };
    const path = Deno.env.get("PATH") ?? "";
    doc.agent_clis.probe = {
      name: "probe",
      command: `sh ${PROBE}`,
      workdir: "work/dir",
      env: {
        TT_TEST_SHARED: "from the table",
        ANTHROPIC_BASE_URL: "http://127.0.0.1:9/v1",
        TINYTOWN_AGENT_NAME: "spoofed",
        PATH: `/nonexistent/first:${path}`,
      },
    };
    await Deno.writeTextFile(file, stringify(doc));

    const spawned = JSON.parse(await town.ok("spawn", "w", "--cli", "probe", "--json"));
    await town.ok("send", "w", "show me where you run");
    await waitFor("the probe CLI to finish", async () => {
      return (await Deno.readTextFile(`${town.dir}/probe_done.txt`).catch(() => "")) !== "";
    });

    const root = await Deno.realPath(town.dir);
    assert.equal((await Deno.readTextFile(`${town.dir}/probe_cwd.txt`)).trim(), `${root}/work/dir`);
    const env = envLines(await Deno.readTextFile(`${town.dir}/probe_env.txt`));
    assert.equal(env.get("TT_TEST_SHARED"), "from the table", "the table overrides");
    assert.equal(env.get("TT_TEST_INHERITED"), "kept", "inherited variables stay");
    assert.equal(env.get("ANTHROPIC_BASE_URL"), "http://127.0.0.1:9/v1");
    assert.equal(env.get("TINYTOWN_AGENT_NAME"), "w", "tt's own variables win");
    assert.equal(env.get("TINYTOWN_AGENT_ID"), spawned.id);
    assert.equal(env.get("TINYTOWN_TOWN"), root);
    assert.equal(
      env.get("PATH"),
      `${root}/.tt/bin:/nonexistent/first:${path}`,
      "tt's shim first, then the table's PATH",
    );
    // `tt` inside the CLI, run from the workdir, reaches this town.
    assert.equal((await Deno.readTextFile(`${town.dir}/probe_done.txt`)).trim(), "0");
    const status = JSON.parse(await Deno.readTextFile(`${town.dir}/probe_status.json`));
    assert.equal(status.town, "workdirenv");
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});
