/**
 * The round prompt names the town's tt shim by absolute path, so an agent CLI whose shell has
 * lost PATH still runs this town's tt; `tt` stays on the CLI's PATH as well.
 */
import assert from "node:assert/strict";
import { buildPrompt, type PromptInput } from "../src/agent/prompt.ts";
import { roleHint } from "../src/agent/roles.ts";
import { shellWord } from "../src/agent/tt_shim.ts";
import { newMessage } from "../src/model/message.ts";
import { newTask } from "../src/model/task.ts";
import { SUPERVISOR_ID } from "../src/model/ids.ts";
import { agentStatus, spawn, waitFor } from "./fixtures/agent_town.ts";
import { makeTestTown } from "./helpers/tt.ts";

const LOST_PATH_CLI = new URL("./fixtures/cli_lost_path.sh", import.meta.url).pathname;

function promptWith(tt?: string): { prompt: string; taskId: string } {
  const task = newTask("Fix the login bug");
  const input: PromptInput = {
    agentName: "backend",
    town: "demo",
    round: 1,
    maxRounds: 10,
    actionable: [{
      message: newMessage(SUPERVISOR_ID, "7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11", {
        type: "task_assign",
        taskId: task.id,
      }),
      urgent: false,
      task: { ...task, unfinishedRounds: 1 },
    }],
    informational: [],
    confirmations: new Map(),
    backlog: { total: 0, matching: 0, shown: [] },
    roleHint: roleHint("backend"),
    maxTaskRounds: 3,
    ...(tt === undefined ? {} : { tt }),
  };
  return { prompt: buildPrompt(input), taskId: task.id };
}

Deno.test("shellWord: plain paths as they are, anything else single-quoted", () => {
  assert.equal(shellWord("/srv/town-1/.tt/bin/tt"), "/srv/town-1/.tt/bin/tt");
  assert.equal(shellWord("/my town/.tt/bin/tt"), "'/my town/.tt/bin/tt'");
  assert.equal(shellWord("/it's/tt"), `'/it'\\''s/tt'`);
  assert.equal(shellWord("/a/$(x)/tt"), "'/a/$(x)/tt'");
});

Deno.test("buildPrompt: every tt command uses the given shim path, and says why", () => {
  const shim = "'/my town/.tt/bin/tt'";
  const { prompt, taskId } = promptWith(shim);
  assert.ok(prompt.includes(`   Complete with: ${shim} task complete ${taskId} --result`), prompt);
  assert.ok(prompt.includes(`without \`${shim} task complete\` or \`${shim} task fail\``));
  const block = prompt.slice(prompt.indexOf("```bash"), prompt.indexOf("## Backlog Snapshot"));
  const commands = block.split("\n").filter((l) => l !== "" && !l.startsWith("```"));
  assert.equal(commands.length, 12);
  assert.ok(commands.every((l) => l.startsWith(`${shim} `)), block);
  assert.match(prompt, /is this town's tt \(the same program as `tt` on your PATH\)/);
  // No command is left that relies on PATH: `tt` alone appears only in that explanation.
  const bare = prompt.split("\n").filter((l) =>
    /(^|[`\s])tt (status|inbox|task|send|backlog)/.test(l)
  );
  assert.deepEqual(bare, []);
});

Deno.test("buildPrompt: without a shim path the commands are plain tt", () => {
  const { prompt, taskId } = promptWith();
  assert.ok(prompt.includes(`   Complete with: tt task complete ${taskId} --result`));
  assert.doesNotMatch(prompt, /is this town's tt/);
});

Deno.test("a round's prompt names the shim: a CLI whose shell lost PATH still completes its task", async () => {
  const town = await makeTestTown({ name: "lost-path" });
  try {
    const file = `${town.dir}/tinytown.toml`;
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)) +
        `\n[agent_clis.lostpath]\nname = "lostpath"\ncommand = "sh ${LOST_PATH_CLI}"\n`,
    );
    const agent = await spawn(town, "walker", "lostpath");
    const { task_id: taskId } = JSON.parse(
      await town.ok("assign", "walker", "finish without PATH", "--json"),
    ) as { task_id: string };
    const show = async () =>
      JSON.parse(await town.ok("task", "show", taskId, "--json")) as {
        state: string;
        assigned_to?: string;
      };
    const task = await waitFor(`task ${taskId} to end`, async () => {
      const t = await show();
      if (t.state === "completed") return t;
      const a = await agentStatus(town, "walker");
      // Read again: the task may have ended while the agent's status was being read.
      return a.rounds_completed >= 1 && a.state !== "working" ? await show() : undefined;
    }, 60_000);
    const log = await Deno.readTextFile(`${town.dir}/.tt/agents/walker/round-1.log`)
      .catch((e) => String(e));
    assert.equal(task.state, "completed", `${JSON.stringify(task)}\n${log}`);
    assert.equal(task.assigned_to, agent.id);
    const prompt = await Deno.readTextFile(`${town.dir}/.tt/agents/walker/round-1.prompt`);
    const shim = `${await Deno.realPath(town.dir)}/.tt/bin/tt`;
    assert.ok(prompt.includes(`Complete with: ${shellWord(shim)} task complete ${taskId}`));
  } finally {
    await town.tt("stop");
    await town.cleanup();
  }
});
