import assert from "node:assert/strict";
import { escapeGlob, townKeys } from "../src/store/keys.ts";

const ID = "7f3a2c10-5b8e-4d2a-9c1f-0e6b4a8d2f11";

Deno.test("every key of core §4 and tt's own keys", () => {
  const k = townKeys("demo");
  assert.equal(k.prefix, "tt:demo:");
  assert.equal(k.agent(ID), `tt:demo:agent:${ID}`);
  assert.equal(k.inbox(ID), `tt:demo:inbox:${ID}`);
  assert.equal(k.urgent(ID), `tt:demo:urgent:${ID}`);
  assert.equal(k.activity(ID), `tt:demo:activity:${ID}`);
  assert.equal(k.stop(ID), `tt:demo:stop:${ID}`);
  assert.equal(k.task(ID), `tt:demo:task:${ID}`);
  assert.equal(k.backlog, "tt:demo:backlog");
  assert.equal(k.events, "tt:demo:events");
  assert.equal(k.agentEvents(ID), `tt:demo:events:agent:${ID}`);
  assert.equal(k.missionEvents(ID), `tt:demo:events:mission:${ID}`);
  assert.equal(k.broadcast, "tt:demo:broadcast");
  assert.equal(k.agentsIndex, "tt:demo:agents");
  assert.equal(k.tasksIndex, "tt:demo:tasks");
  assert.equal(k.inflight(ID), `tt:demo:inflight:${ID}`);
  assert.equal(k.lease(ID), `tt:demo:lease:${ID}`);
  assert.equal(k.deadLetters, "tt:demo:dead");
  assert.equal(k.pattern, "tt:demo:*");
  assert.equal(k.kindPattern("inbox"), "tt:demo:inbox:*");
});

Deno.test("town names go into keys verbatim but are escaped in globs", () => {
  const k = townKeys("my*town?[x]\\");
  assert.equal(k.backlog, "tt:my*town?[x]\\:backlog");
  assert.equal(k.pattern, "tt:my\\*town\\?\\[x\\]\\\\:*");
  assert.equal(k.kindPattern("agent"), "tt:my\\*town\\?\\[x\\]\\\\:agent:*");
  assert.equal(escapeGlob("plain-name_1.0"), "plain-name_1.0");
  assert.equal(townKeys("repo-main").pattern, "tt:repo-main:*");
});
