/**
 * The scripted model server the real-CLI end-to-end tests use, checked over HTTP without any
 * CLI: the script's decisions, every wire protocol, error mode and the request record.
 */
import assert from "node:assert/strict";
import { anthropicProtocol } from "./helpers/model_anthropic.ts";
import { openaiResponsesProtocol } from "./helpers/model_openai.ts";
import { COPILOT_SHELL_TOOL, openaiChatProtocol } from "./helpers/model_openai_chat.ts";
import { GEMINI_SHELL_TOOL, geminiProtocol } from "./helpers/model_gemini.ts";
import { AUGGIE_SHELL_TOOL, auggieSession, augmentProtocol } from "./helpers/model_augment.ts";
import {
  completeCommand,
  extractTaskId,
  SCRIPTED_ERROR,
  SCRIPTED_FINAL_TEXT,
  startModelServer,
  ttWordIn,
} from "./helpers/model_server.ts";

const TASK = "0a1b2c3d-1111-4222-8333-444455556666";
const PROMPT = `1. [normal] task assignment from conductor\n   Task ID: ${TASK}\n   Description: x`;

/** The `data:` payloads of an SSE body. */
async function sseData(res: Response): Promise<Record<string, unknown>[]> {
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const text = await res.text();
  return text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)));
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

Deno.test("extractTaskId finds the prompt's Task ID line, also inside JSON; commands are checked", () => {
  assert.equal(extractTaskId(PROMPT), TASK);
  assert.equal(extractTaskId(JSON.stringify({ text: PROMPT })), TASK);
  assert.equal(extractTaskId("tt task complete <task_id>"), undefined);
  assert.equal(
    completeCommand(TASK),
    `tt task complete ${TASK} --result "done by the scripted model"`,
  );
  assert.throws(() => completeCommand("x; rm -rf /"), /not a task id/);
});

Deno.test("anthropic: Bash tool_use for the prompt's task, final text after the tool result", async () => {
  await using server = await startModelServer({ mode: "complete", protocols: [anthropicProtocol] });
  const tools = [{ name: "Bash" }, { name: "Read" }];
  const first = await sseData(
    await post(`${server.url}/v1/messages?beta=true`, {
      model: "m",
      stream: true,
      tools,
      messages: [{ role: "user", content: [{ type: "text", text: PROMPT }] }],
    }),
  );
  assert.deepEqual(first.map((e) => e.type), [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  const block = first[1].content_block as { type: string; name: string; id: string };
  assert.equal(block.type, "tool_use");
  assert.equal(block.name, "Bash");
  const input = JSON.parse((first[2].delta as { partial_json: string }).partial_json);
  assert.equal(input.command, completeCommand(TASK));
  assert.equal((first[4].delta as { stop_reason: string }).stop_reason, "tool_use");

  const second = await post(`${server.url}/v1/messages`, {
    model: "m",
    tools,
    messages: [
      { role: "user", content: PROMPT },
      { role: "assistant", content: [{ ...block, input }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: block.id, content: "ok!" }] },
    ],
  });
  const message = await second.json();
  assert.deepEqual(message.content, [{ type: "text", text: SCRIPTED_FINAL_TEXT }]);

  // A side call without the Bash tool (a title, a quota check) is answered, never scripted.
  const side = await post(`${server.url}/v1/messages`, { messages: [{ content: PROMPT }] });
  assert.equal((await side.json()).content[0].text, "ok");
  const count = await post(`${server.url}/v1/messages/count_tokens`, {});
  assert.equal((await count.json()).input_tokens, 10);

  assert.deepEqual(server.requests.map((r) => [r.reply, r.taskId, r.toolResult]), [
    ["tool_call", TASK, undefined],
    ["final_text", undefined, "ok!"],
    ["side_text", undefined, undefined],
    ["meta", undefined, undefined],
  ]);
});

Deno.test("openai responses: exec_command call for the task, then text; shell fallbacks", async () => {
  await using server = await startModelServer({
    mode: "complete",
    protocols: [openaiResponsesProtocol],
  });
  const input = [{
    type: "message",
    role: "user",
    content: [{ type: "input_text", text: PROMPT }],
  }];
  const first = await sseData(
    await post(`${server.url}/v1/responses`, {
      stream: true,
      tools: [{ type: "function", name: "exec_command" }],
      input,
    }),
  );
  assert.equal(first[0].type, "response.created");
  assert.equal(first[first.length - 1].type, "response.completed");
  const done = first.find((e) => e.type === "response.output_item.done")!.item as {
    type: string;
    name: string;
    arguments: string;
    call_id: string;
  };
  assert.equal(done.type, "function_call");
  assert.equal(done.name, "exec_command");
  assert.deepEqual(JSON.parse(done.arguments), { cmd: completeCommand(TASK) });

  const legacy = await (await post(`${server.url}/v1/responses`, {
    tools: [{ type: "function", name: "shell" }],
    input,
  })).json();
  assert.deepEqual(JSON.parse(legacy.output[0].arguments), {
    command: ["bash", "-lc", completeCommand(TASK)],
  });

  const final = await sseData(
    await post(`${server.url}/v1/responses`, {
      stream: true,
      tools: [{ type: "function", name: "exec_command" }],
      input: [...input, done, {
        type: "function_call_output",
        call_id: done.call_id,
        output: "ok!",
      }],
    }),
  );
  const text = final.find((e) => e.type === "response.output_item.done")!.item as {
    content: { text: string }[];
  };
  assert.equal(text.content[0].text, SCRIPTED_FINAL_TEXT);
  assert.deepEqual(server.replies("final_text").map((r) => r.toolResult), ["ok!"]);
});

Deno.test("error mode: every model call is a 400 with the scripted message; unknown paths 404", async () => {
  await using server = await startModelServer({
    mode: "error",
    protocols: [anthropicProtocol, openaiResponsesProtocol],
  });
  const a = await post(`${server.url}/v1/messages`, { tools: [{ name: "Bash" }], messages: [] });
  assert.equal(a.status, 400);
  assert.equal((await a.json()).error.message, SCRIPTED_ERROR);
  const o = await post(`${server.url}/v1/responses`, { input: [] });
  assert.equal(o.status, 400);
  assert.equal((await o.json()).error.message, SCRIPTED_ERROR);
  const head = await fetch(server.url, { method: "HEAD" });
  assert.equal(head.status, 200);
  const other = await fetch(`${server.url}/v2/whatever`);
  assert.equal(other.status, 404);
  await other.body?.cancel();
  assert.deepEqual(server.requests.map((r) => r.reply), ["error", "error", "unknown", "unknown"]);
  assert.ok(server.requests.every((r, i) => r.seq === i + 1 && r.receivedAt > 0));
});

const SHIM = "/tmp/tt-town-x/.tt/bin/tt";
/** A prompt as a round writes it: the task id, and the shim by absolute path. */
const ROUND_PROMPT =
  `${PROMPT}\n   Complete with: ${SHIM} task complete ${TASK} --result "what was done"`;

Deno.test("ttWordIn: the prompt's tt word when it is a plain path, else tt", () => {
  assert.equal(ttWordIn(ROUND_PROMPT), SHIM);
  assert.equal(ttWordIn(JSON.stringify({ text: ROUND_PROMPT })), SHIM);
  assert.equal(ttWordIn(PROMPT), "tt");
  assert.equal(ttWordIn("   Complete with: '/a b/tt' task complete x"), "tt");
  assert.throws(() => completeCommand(TASK, "tt; rm"), /not a plain tt path/);
});

Deno.test("gemini: run_shell_command with the prompt's command, final text after the functionResponse", async () => {
  await using server = await startModelServer({ mode: "complete", protocols: [geminiProtocol] });
  const url = `${server.url}/v1beta/models/m:streamGenerateContent?alt=sse`;
  const user = { role: "user", parts: [{ text: ROUND_PROMPT }] };
  const [first] = await sseData(await post(url, { contents: [user] }));
  const call = (first.candidates as { content: { parts: { functionCall: unknown }[] } }[])[0]
    .content.parts[0].functionCall as { name: string; args: { command: string } };
  assert.equal(call.name, GEMINI_SHELL_TOOL);
  assert.equal(call.args.command, completeCommand(TASK, SHIM));
  const result = { functionResponse: { name: call.name, response: { output: "ok!" } } };
  const [second] = await sseData(
    await post(url, { contents: [user, { role: "user", parts: [result] }] }),
  );
  assert.match(JSON.stringify(second), new RegExp(SCRIPTED_FINAL_TEXT));
  const side = await post(`${server.url}/v1beta/models/m:generateContent`, { contents: [] });
  assert.equal(side.status, 200);
  await side.body?.cancel();
  assert.deepEqual(server.requests.map((r) => [r.reply, r.taskId, r.toolResult]), [
    ["tool_call", TASK, undefined],
    ["final_text", undefined, '{"output":"ok!"}'],
    ["side_text", undefined, undefined],
  ]);
});

Deno.test("openai chat: bash tool call (streamed or not), final text after the tool message", async () => {
  await using server = await startModelServer({
    mode: "complete",
    protocols: [openaiChatProtocol],
  });
  const url = `${server.url}/v1/chat/completions`;
  const messages = [{ role: "system", content: "sys" }, { role: "user", content: ROUND_PROMPT }];
  const whole = await (await post(url, { messages })).json();
  const call = whole.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, COPILOT_SHELL_TOOL);
  assert.equal(JSON.parse(call.function.arguments).command, completeCommand(TASK, SHIM));
  const streamed = await post(url, { stream: true, messages });
  assert.match(await streamed.text(), /"tool_calls":\[\{"index":0[\s\S]*data: \[DONE\]/);
  const final = await (await post(url, {
    messages: [...messages, { role: "assistant", tool_calls: [call] }, {
      role: "tool",
      content: "ok!",
    }],
  })).json();
  assert.equal(final.choices[0].message.content, SCRIPTED_FINAL_TEXT);
  assert.deepEqual(server.replies("tool_call", "final_text").map((r) => r.toolResult), [
    undefined,
    undefined,
    "ok!",
  ]);
});

Deno.test("augment: launch-process tool use, final text after the tool result; error mode", async () => {
  await using server = await startModelServer({ mode: "complete", protocols: [augmentProtocol] });
  const lines = async (res: Response) =>
    (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
  const models = await (await post(`${server.url}/get-models`, {})).json();
  assert.equal(models.default_model, "scripted");
  const [first] = await lines(
    await post(`${server.url}/chat-stream`, { message: ROUND_PROMPT, nodes: [] }),
  );
  const use = first.nodes[0].tool_use;
  assert.equal(use.tool_name, AUGGIE_SHELL_TOOL);
  assert.equal(JSON.parse(use.input_json).command, completeCommand(TASK, SHIM));
  const done = await lines(
    await post(`${server.url}/chat-stream`, { message: ROUND_PROMPT, nodes: [{ type: 1 }] }),
  );
  assert.equal(done[0].text, SCRIPTED_FINAL_TEXT);
  assert.deepEqual(server.replies("tool_call", "final_text").map((r) => r.reply), [
    "tool_call",
    "final_text",
  ]);
  assert.equal(JSON.parse(auggieSession(server.url)).tenantURL, `${server.url}/`);

  await using failing = await startModelServer({ mode: "error", protocols: [augmentProtocol] });
  const bad = await post(`${failing.url}/chat-stream`, { nodes: [] });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error, SCRIPTED_ERROR);
});
