import assert from "node:assert/strict";
import { describeEndpoint, parseRedisUrl, redactUrl } from "../src/redis/url.ts";
import { RedisError } from "../src/redis/errors.ts";

Deno.test("parseRedisUrl: redis:// host, port, password, user, db", () => {
  assert.deepEqual(parseRedisUrl("redis://localhost"), {
    endpoint: { kind: "tcp", hostname: "localhost", port: 6379 },
  });
  assert.deepEqual(parseRedisUrl("redis://127.0.0.1:6380"), {
    endpoint: { kind: "tcp", hostname: "127.0.0.1", port: 6380 },
  });
  assert.deepEqual(parseRedisUrl("redis://:secret123@localhost:6379"), {
    endpoint: { kind: "tcp", hostname: "localhost", port: 6379 },
    password: "secret123",
  });
  assert.deepEqual(parseRedisUrl("redis://alice:p%40ss%3Aword@h:7000/3"), {
    endpoint: { kind: "tcp", hostname: "h", port: 7000 },
    username: "alice",
    password: "p@ss:word",
    db: 3,
  });
  assert.deepEqual(parseRedisUrl("  redis://h/0  "), {
    endpoint: { kind: "tcp", hostname: "h", port: 6379 },
    db: 0,
  });
  assert.deepEqual(parseRedisUrl("redis://h?db=5"), {
    endpoint: { kind: "tcp", hostname: "h", port: 6379 },
    db: 5,
  });
});

Deno.test("parseRedisUrl: IPv6 host and the default user", () => {
  assert.deepEqual(parseRedisUrl("redis://[::1]:6390"), {
    endpoint: { kind: "tcp", hostname: "::1", port: 6390 },
  });
  assert.deepEqual(parseRedisUrl("redis://default:pw@h"), {
    endpoint: { kind: "tcp", hostname: "h", port: 6379 },
    username: "default",
    password: "pw",
  });
});

Deno.test("parseRedisUrl: a raw % in a password is kept, not an error", () => {
  assert.equal(parseRedisUrl("redis://:50%off@h").password, "50%off");
});

Deno.test("parseRedisUrl: rediss:// is TLS", () => {
  assert.deepEqual(parseRedisUrl("rediss://:tls-password@redis.example.com:6379"), {
    endpoint: { kind: "tls", hostname: "redis.example.com", port: 6379 },
    password: "tls-password",
  });
  assert.deepEqual(parseRedisUrl("rediss://user%40name:pw@h:6380/0"), {
    endpoint: { kind: "tls", hostname: "h", port: 6380 },
    username: "user@name",
    password: "pw",
    db: 0,
  });
});

Deno.test("parseRedisUrl: unix:// socket with db and password", () => {
  assert.deepEqual(parseRedisUrl("unix:///tmp/town/.tt/redis.sock"), {
    endpoint: { kind: "unix", path: "/tmp/town/.tt/redis.sock" },
  });
  assert.deepEqual(parseRedisUrl("unix:///cwd/./.tt/redis.sock?db=2"), {
    endpoint: { kind: "unix", path: "/cwd/./.tt/redis.sock" },
    db: 2,
  });
  assert.deepEqual(parseRedisUrl("unix:///a%20b/redis.sock?password=s3cret&db=1"), {
    endpoint: { kind: "unix", path: "/a b/redis.sock" },
    password: "s3cret",
    db: 1,
  });
});

Deno.test("parseRedisUrl: bad URLs give one readable line without the password", () => {
  const bad = [
    "not a url",
    "http://h:1",
    "redis://:hunter2@h/x",
    "redis://:hunter2@h/-1",
    "unix://?db=1",
    "unix:///s.sock?db=two",
  ];
  for (const url of bad) {
    assert.throws(() => parseRedisUrl(url), (err: unknown) => {
      assert.ok(err instanceof RedisError, url);
      assert.doesNotMatch(err.message, /hunter2|\n/);
      return true;
    });
  }
  assert.throws(() => parseRedisUrl("http://h:1"), /unsupported Redis URL scheme 'http:'/);
  assert.throws(() => parseRedisUrl("redis://:hunter2@h/x"), /bad database number/);
});

Deno.test("redactUrl hides passwords and keeps the rest as written", () => {
  assert.equal(redactUrl("redis://:secret123@localhost:6379"), "redis://:****@localhost:6379");
  assert.equal(
    redactUrl("rediss://user%40name:pw@h:6380/0"),
    "rediss://user%40name:****@h:6380/0",
  );
  assert.equal(redactUrl("redis://default:cloud-secret@"), "redis://default:****@");
  assert.equal(redactUrl("redis://:p@ss@host:1/0"), "redis://:****@host:1/0");
  assert.equal(redactUrl("redis://127.0.0.1:6380"), "redis://127.0.0.1:6380");
  assert.equal(redactUrl("redis://host:6379/0?tag=a@b"), "redis://host:6379/0?tag=a@b");
  assert.equal(redactUrl("unix:///s.sock?db=1"), "unix:///s.sock?db=1");
  assert.equal(redactUrl("unix:///s.sock?password=x&db=1"), "unix:///s.sock?password=****&db=1");
  assert.equal(redactUrl("unix:///s.sock?db=1&password=x"), "unix:///s.sock?db=1&password=****");
});

Deno.test("describeEndpoint names an endpoint without credentials", () => {
  assert.equal(describeEndpoint({ kind: "unix", path: "/x/redis.sock" }), "unix:///x/redis.sock");
  assert.equal(describeEndpoint({ kind: "tcp", hostname: "h", port: 1 }), "redis://h:1");
  assert.equal(describeEndpoint({ kind: "tls", hostname: "h", port: 2 }), "rediss://h:2");
});
