/**
 * Bad input to the REST app: every case is answered with the problem-details shape and a 4xx,
 * never a 500 — bad JSON, wrong content type, huge bodies, unknown fields, wrong types,
 * missing fields, odd path values, unknown routes and methods.
 */
import assert from "node:assert/strict";
import { MAX_BODY_BYTES } from "../src/townhall/rest/app.ts";
import { libTown } from "./helpers/lib_town.ts";
import { type CallOptions, restHarness, townhallSettings } from "./helpers/townhall.ts";

Deno.test("bad bodies: 400 bad JSON, 415 not JSON, 413 huge, 422 unknown field / wrong type / missing", async () => {
  await using t = await libTown();
  const town = await t.init();
  await town.spawnAgent("worker", { cli: "claude", start: false });
  const h = await restHarness(town);
  const json = { "content-type": "application/json" };
  const cases: [
    string,
    string,
    CallOptions,
    number,
    RegExp,
  ][] = [
    ["POST", "/v1/backlog", { raw: "{not json", headers: json }, 400, /invalid JSON/],
    ["POST", "/v1/backlog", { raw: "", headers: json }, 400, /invalid JSON/],
    [
      "POST",
      "/v1/backlog",
      { raw: "description=x", headers: { "content-type": "text/plain" } },
      415,
      /must be JSON/,
    ],
    ["POST", "/v1/backlog", { raw: '{"description":"x"}' }, 415, /must be JSON/],
    [
      "POST",
      "/v1/backlog",
      { json: { description: "x", colour: "red" } },
      422,
      /unknown field colour/,
    ],
    [
      "POST",
      "/v1/backlog",
      { json: { description: 42 } },
      422,
      /'description': expected string/,
    ],
    ["POST", "/v1/backlog", { json: { tags: ["a"] } }, 422, /'description' is required/],
    ["POST", "/v1/backlog", { json: [1, 2] }, 422, /expected object/],
    ["POST", "/v1/backlog", { json: null }, 422, /expected object/],
    [
      "POST",
      "/v1/messages/send",
      { json: { to: "worker", message: "hi", urgent: "yes" } },
      422,
      /'urgent': expected boolean/,
    ],
    ["POST", "/v1/agents", { json: { name: "x", max_rounds: -1 } }, 422, /max_rounds/],
    [
      "POST",
      "/v1/agents",
      { json: { name: "x", parent_agent_id: "nope" } },
      400,
      /Invalid parent_agent_id/,
    ],
    ["POST", "/v1/agents", { json: { name: "../../etc" } }, 400, /name/],
    ["POST", "/v1/agents", { json: { name: "supervisor" } }, 400, /reserved|supervisor/],
    ["POST", "/v1/agents/prune", { raw: "" }, 415, /must be JSON/],
    [
      "POST",
      "/v1/reclaim/orphan-tasks",
      { raw: "x", headers: { "content-type": "text/plain" } },
      415,
      /must be JSON/,
    ],
  ];
  for (const [method, path, init, status, detail] of cases) {
    const r = await h.call(method, path, init);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(init)} -> ${r.text}`);
    assert.equal(r.body.status, status);
    assert.equal(r.body.type, `https://tinytown.dev/errors/${status}`);
    assert.match(r.body.detail, detail, `${path}: ${r.body.detail}`);
  }
  const huge = await h.call("POST", "/v1/backlog", {
    raw: JSON.stringify({ description: "x".repeat(MAX_BODY_BYTES + 10) }),
    headers: json,
  });
  assert.equal(huge.status, 413);
  assert.equal(huge.body.title, "Payload Too Large");
  assert.equal((await h.call("GET", "/v1/backlog")).body.count, 0, "nothing was added");
});

Deno.test("odd paths: unknown routes 404, wrong methods 405 with Allow, odd refs 4xx", async () => {
  await using t = await libTown();
  const town = await t.init();
  await town.spawnAgent("worker", { cli: "claude", start: false });
  const h = await restHarness(town);
  const raw = (method: string, path: string) =>
    h.rest.fetch(new Request(`http://x${path}`, { method }));
  const missing = await raw("GET", "/v1/nothing");
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).title, "Not Found");
  const wrong = await raw("PUT", "/v1/status");
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get("allow"), "GET");
  for (
    const ref of [
      "%2e%2e%2f%2e%2e",
      "a".repeat(5000),
      "%00%0a%1b[31m",
      "Fred%20%5Breviewer%5D",
      "%E2%9C%93",
      "work",
    ]
  ) {
    const r = await h.call("GET", `/v1/agents/${ref}/inbox`);
    assert.ok(r.status === 404 || r.status === 400, `${ref}: ${r.status} ${r.text}`);
  }
  const del = await h.call("DELETE", `/v1/backlog/${crypto.randomUUID()}`);
  assert.equal(del.status, 404);
  assert.equal(
    (await h.call("POST", "/v1/backlog/123/claim", { json: { agent: "worker" } })).status,
    400,
  );
  assert.equal(
    (await h.call("POST", `/v1/backlog/${crypto.randomUUID()}/claim`, {
      json: { agent: "worker" },
    }))
      .status,
    404,
  );
  const ghost = await h.call("POST", "/v1/messages/send", { json: { to: "ghost", message: "hi" } });
  assert.equal(ghost.status, 404);
  const empty = await h.call("POST", "/v1/messages/send", { json: { to: "worker", message: " " } });
  assert.equal(empty.status, 400);
});

Deno.test("timeout: a request still running after request_timeout_ms is answered 408", async () => {
  await using t = await libTown();
  const town = await t.init();
  const h = await restHarness(town, townhallSettings((s) => (s.requestTimeoutMs = 300)));
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  ctl.enqueue(new TextEncoder().encode('{"description":'));
  const started = Date.now();
  const res = await h.rest.fetch(
    new Request("http://x/v1/backlog", {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      body,
    }),
  );
  assert.equal(res.status, 408);
  assert.equal((await res.json()).title, "Request Timeout");
  assert.ok(Date.now() - started < 5000);
  ctl.close();
});
