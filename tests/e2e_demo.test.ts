/** `deno task demo` end to end: the offline demo runs, succeeds and cleans up after itself. */
import assert from "node:assert/strict";

const DEMO = new URL("../examples/demo.ts", import.meta.url).pathname;

Deno.test("the offline demo completes every task, gets them approved and exits 0", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", DEMO],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `demo exited ${out.code}\n${stdout}\n${stderr}`);
  assert.match(stdout, /✔ 2\/2 tasks completed, 2\/2 approved by the reviewer/);
  assert.match(stdout, /tasks done 2\/2 \| approved 2\/2/);
  // The workers really ran tt inside their rounds, and the reviewer answered them.
  assert.match(stdout, /\$ tt task complete [0-9a-f-]{36} --result "done by backend"/);
  assert.match(stdout, /\$ tt send backend --ack "approved: task [0-9a-f-]{36} looks good"/);
  assert.match(stdout, /Demo finished: all tasks completed and approved/);
  // The temp town is gone (its path is printed on the first line).
  const town = /in (\/\S+\/town)\n/.exec(stdout)?.[1];
  assert.ok(town, "demo prints its town folder");
  await assert.rejects(Deno.stat(town), Deno.errors.NotFound);
});
