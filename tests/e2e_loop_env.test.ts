/** Agent loops run with tt's V8 flags; their agent CLIs get the user's environment instead. */
import assert from "node:assert/strict";
import { makeTestTown } from "./helpers/tt.ts";

const DUMP = new URL("./fixtures/cli_dump_env.sh", import.meta.url).pathname;

Deno.test("the loop runs in lite mode; the agent CLI does not inherit tt's DENO_V8_FLAGS", async () => {
  const town = await makeTestTown({ name: "loopenv" });
  try {
    const spawned = JSON.parse(await town.ok("spawn", "w", "--cli", `sh ${DUMP}`, "--json"));
    const environ = await Deno.readTextFile(`/proc/${spawned.pid}/environ`);
    assert.ok(environ.split("\0").includes("DENO_V8_FLAGS=--lite-mode"), "loop has lite mode");
    await town.ok("send", "w", "dump your env");
    const file = `${town.dir}/cli_env.txt`;
    const deadline = Date.now() + 15_000;
    let text = "";
    while (Date.now() < deadline) {
      text = await Deno.readTextFile(file).catch(() => "");
      if (text.includes("TINYTOWN_AGENT_ID=")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(text, new RegExp(`TINYTOWN_AGENT_ID=${spawned.id}`));
    assert.match(text, /TINYTOWN_AGENT_NAME=w/);
    assert.ok(!text.includes("DENO_V8_FLAGS"), "the CLI does not see tt's V8 flags");
    assert.ok(!text.includes("TT_LOOP_V8_FLAGS"));
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});
