import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { defaultTownConfig, type TownConfig } from "../src/town/config.ts";
import { envFrom } from "../src/town/env.ts";
import {
  explicitRedisUrl,
  isExternalRedis,
  isLoopbackHost,
  redactRedisUrl,
  redisTcpUrl,
  redisUrl,
  redisUrlRedacted,
} from "../src/town/redis_endpoint.ts";

const noEnv = envFrom({});

function tcpConfig(host: string, port: number, password?: string): TownConfig {
  const c = defaultTownConfig("t");
  c.redis.useSocket = false;
  c.redis.host = host;
  c.redis.port = port;
  c.redis.password = password;
  return c;
}

Deno.test("socket mode URL is absolute and normalised", () => {
  const c = defaultTownConfig("t");
  assert.equal(redisUrl(c, ".", noEnv), `unix://${join(Deno.cwd(), ".tt/redis.sock")}`);
  assert.ok(!redisUrl(c, ".", noEnv).includes("/./"));
  c.redis.socketPath = "/tmp/other.sock";
  assert.equal(redisUrl(c, "/srv/town", noEnv), "unix:///tmp/other.sock");
  c.redis.socketPath = "run/my sock#1";
  assert.equal(redisUrl(c, "/srv/town", noEnv), "unix:///srv/town/run/my%20sock%231");
  assert.equal(
    redisUrl(c, "rel", noEnv),
    `unix://${resolve("rel/run/my sock#1").replace(/ /g, "%20").replace("#", "%23")}`,
  );
});

Deno.test("TCP URL with password, env override and TLS", () => {
  assert.equal(redisTcpUrl(tcpConfig("127.0.0.1", 6380), noEnv), "redis://127.0.0.1:6380");
  const c = tcpConfig("localhost", 6379, "secret123");
  assert.equal(redisTcpUrl(c, noEnv), "redis://:secret123@localhost:6379");
  const env = envFrom({ TINYTOWN_REDIS_PASSWORD: "fromenv" });
  assert.equal(redisTcpUrl(c, env), "redis://:fromenv@localhost:6379");
  assert.equal(redisTcpUrl(c, envFrom({ TINYTOWN_REDIS_PASSWORD: "" })), redisTcpUrl(c, noEnv));
  c.redis.tlsEnabled = true;
  c.redis.host = "redis.example.com";
  assert.equal(redisTcpUrl(c, noEnv), "rediss://:secret123@redis.example.com:6379");
  c.redis.password = "p@ss/w:rd";
  assert.equal(redisTcpUrl(c, noEnv), "rediss://:p%40ss%2Fw%3Ard@redis.example.com:6379");
  assert.equal(redisTcpUrl(tcpConfig("::1", 7000), noEnv), "redis://[::1]:7000");
  assert.equal(redisUrl(tcpConfig("h", 1), "/x", noEnv), "redis://h:1");
});

Deno.test("explicit URL: REDIS_URL beats [redis] url; blank counts as unset", () => {
  const c = defaultTownConfig("t");
  assert.equal(explicitRedisUrl(c, noEnv), undefined);
  c.redis.url = "redis://file:1";
  assert.equal(explicitRedisUrl(c, noEnv), "redis://file:1");
  assert.equal(explicitRedisUrl(c, envFrom({ REDIS_URL: "  " })), "redis://file:1");
  const env = envFrom({ REDIS_URL: " redis://env:2 " });
  assert.equal(explicitRedisUrl(c, env), "redis://env:2");
  assert.equal(redisUrl(c, "/x", env), "redis://env:2");
  c.redis.url = "   ";
  assert.equal(explicitRedisUrl(c, noEnv), undefined);
});

Deno.test("external Redis: explicit URL or non-loopback TCP host", () => {
  for (const h of ["localhost", "127.0.0.1", "127.0.1.1", "::1", "[::1]"]) {
    assert.ok(isLoopbackHost(h), h);
    assert.equal(isExternalRedis(tcpConfig(h, 6379), noEnv), false, h);
  }
  for (const h of ["redis.example.com", "192.168.1.100", "10.0.0.1"]) {
    assert.equal(isExternalRedis(tcpConfig(h, 6379), noEnv), true, h);
  }
  const socket = defaultTownConfig("t");
  socket.redis.host = "redis.example.com";
  assert.equal(isExternalRedis(socket, noEnv), false, "socket mode ignores host");
  assert.equal(isExternalRedis(socket, envFrom({ REDIS_URL: "redis://localhost:6379" })), true);
});

Deno.test("redaction hides passwords and keeps usernames", () => {
  const cases: Array<[string, string]> = [
    ["rediss://user%40name:secret@h:6380/0", "rediss://user%40name:****@h:6380/0"],
    ["redis://default:cloud-secret@host:1", "redis://default:****@host:1"],
    ["redis://:p@ss/w@host:1", "redis://:****@host:1"],
    ["redis://host:6379", "redis://host:6379"],
    ["redis://user@host:6379", "redis://user@host:6379"],
    ["unix:///x/redis.sock?db=1&password=pw", "unix:///x/redis.sock?db=1&password=****"],
    ["not a url", "not a url"],
  ];
  for (const [input, want] of cases) assert.equal(redactRedisUrl(input), want, input);
  const c = tcpConfig("redis.example.com", 6379, "secret");
  assert.equal(redisUrlRedacted(c, "/x", noEnv), "redis://:****@redis.example.com:6379");
  const env = envFrom({ TINYTOWN_REDIS_PASSWORD: "envpw" });
  assert.equal(redisUrlRedacted(tcpConfig("h", 1), "/x", env), "redis://:****@h:1");
  assert.equal(redisUrlRedacted(defaultTownConfig("t"), "/x", noEnv), "unix:///x/.tt/redis.sock");
});
