import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { townPaths } from "../src/town/paths.ts";

Deno.test("townPaths: everything absolute under .tt/", () => {
  const p = townPaths("/srv/town/");
  assert.deepEqual(p, {
    root: "/srv/town",
    configFile: "/srv/town/tinytown.toml",
    ttDir: "/srv/town/.tt",
    socket: "/srv/town/.tt/redis.sock",
    pidFile: "/srv/town/.tt/redis.pid",
    lockFile: "/srv/town/.tt/redis.lock",
    logsDir: "/srv/town/.tt/logs",
    redisLog: "/srv/town/.tt/logs/redis.log",
    agentsDir: "/srv/town/.tt/agents",
    tasksDir: "/srv/town/.tt/tasks",
    binDir: "/srv/town/.tt/bin",
    aofFile: "/srv/town/.tt/redis.aof",
  });
});

Deno.test("townPaths: `.` and relative roots are resolved and normalised", () => {
  const p = townPaths(".");
  assert.equal(p.root, Deno.cwd());
  assert.equal(p.socket, join(Deno.cwd(), ".tt", "redis.sock"));
  for (const value of Object.values(p)) assert.ok(!value.includes("/./"), value);
  assert.equal(townPaths("a/../b").root, resolve("b"));
});

Deno.test("townPaths: configured socket and AOF paths resolve against the root", () => {
  const p = townPaths("/srv/town", { socketPath: "./run/../r.sock", aofPath: "/var/aof" });
  assert.equal(p.socket, "/srv/town/r.sock");
  assert.equal(p.aofFile, "/var/aof");
});
