/** Endpoints (Unix socket, TCP, TLS), AUTH, ACL users, SELECT and connect failures. */
import assert from "node:assert/strict";
import {
  RedisAuthError,
  RedisClient,
  RedisClosedError,
  RedisConnectionError,
  RedisReplyError,
  RedisTimeoutError,
  Subscriber,
} from "../src/redis/mod.ts";
import { freePort, startRedis } from "./helpers/redis.ts";

Deno.test("connects over a Unix socket from a unix:// URL", async () => {
  await using redis = await startRedis();
  const client = await RedisClient.connect(redis.url);
  try {
    assert.equal(await client.ping(), "PONG");
    assert.equal(client.connected, true);
  } finally {
    await client.close();
  }
  assert.equal(client.connected, false);
});

Deno.test("connects over TCP from a redis:// URL", async () => {
  await using redis = await startRedis({ tcp: true });
  assert.ok(redis.port && redis.tcpUrl);
  const client = await RedisClient.connect(redis.tcpUrl);
  try {
    assert.equal(await client.ping(), "PONG");
    const info = String(await client.command(["CLIENT", "INFO"]));
    assert.match(info, /addr=127\.0\.0\.1:\d+/);
  } finally {
    await client.close();
  }
});

/** Whether this redis-server was built with TLS (it then complains about the missing cert). */
async function redisHasTls(): Promise<boolean> {
  try {
    const out = await new Deno.Command("redis-server", {
      args: ["--tls-port", "1", "--port", "0", "--save", ""],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return /tls-cert-file/i.test(text);
  } catch {
    return false;
  }
}

async function hasOpenssl(): Promise<boolean> {
  try {
    return (await new Deno.Command("openssl", { args: ["version"], stdout: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

const tlsReady = (await redisHasTls()) && (await hasOpenssl());

/** A throw-away CA and a server certificate for localhost / 127.0.0.1, made with openssl. */
async function makeCerts(dir: string): Promise<void> {
  const run = async (args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    })
      .output();
    if (!out.success) {
      throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
    }
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2"].concat(
    ["-subj", "/CN=tt-test-ca"],
  ));
  await run([
    "req",
    ...ec,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  ]);
  await Deno.writeTextFile(`${dir}/ext.cnf`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await run([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  ]);
}

Deno.test({
  name: "connects over TLS (rediss://) to a server with a self-signed CA",
  ignore: !tlsReady,
  async fn() {
    const certs = await Deno.makeTempDir({ prefix: "tt-tls-" });
    try {
      await makeCerts(certs);
      const tlsPort = freePort();
      await using _redis = await startRedis({
        password: "tls-pw",
        extraArgs: [
          "--tls-port",
          String(tlsPort),
          "--bind",
          "127.0.0.1",
          "--tls-cert-file",
          `${certs}/server.crt`,
          "--tls-key-file",
          `${certs}/server.key`,
          "--tls-ca-cert-file",
          `${certs}/ca.crt`,
          "--tls-auth-clients",
          "no",
        ],
      });
      const ca = await Deno.readTextFile(`${certs}/ca.crt`);
      const client = await RedisClient.connect({
        endpoint: { kind: "tls", hostname: "localhost", port: tlsPort, caCerts: [ca] },
        password: "tls-pw",
        db: 1,
      });
      try {
        assert.equal(await client.ping(), "PONG");
        await client.set("k", "über");
        assert.equal(await client.get("k"), "über");
        const big = "x".repeat(300_000); // spans many TLS records
        await client.set("big", big);
        assert.equal(await client.get("big"), big);
      } finally {
        await client.close();
      }
      // Without our CA the certificate is not trusted: a clear connection error, no hang.
      await assert.rejects(
        RedisClient.connect(`rediss://:tls-pw@localhost:${tlsPort}`),
        (err: unknown) => err instanceof RedisConnectionError && /rediss:\/\//.test(err.message),
      );
    } finally {
      await Deno.remove(certs, { recursive: true });
    }
  },
});

Deno.test("AUTH with a password: right one works, wrong one is a RedisAuthError", async () => {
  await using redis = await startRedis({ password: "s3cret" });
  assert.match(redis.url, /\?password=s3cret$/);
  const client = await RedisClient.connect(redis.url);
  try {
    assert.equal(await client.ping(), "PONG");
  } finally {
    await client.close();
  }
  const wrong = { endpoint: { kind: "unix" as const, path: redis.socket }, password: "nope" };
  await assert.rejects(RedisClient.connect(wrong), (err: unknown) => {
    assert.ok(err instanceof RedisAuthError);
    assert.match(err.message, /authentication failed/);
    assert.match(err.message, /WRONGPASS/);
    assert.doesNotMatch(err.message, /\n|nope/);
    return true;
  });
  // No password at all: the server answers commands with NOAUTH.
  const anonymous = await RedisClient.connect({ endpoint: wrong.endpoint });
  try {
    await assert.rejects(
      anonymous.ping(),
      (err: unknown) => err instanceof RedisReplyError && err.code === "NOAUTH",
    );
  } finally {
    await anonymous.close();
  }
});

Deno.test("AUTH with user and password (ACL user)", async () => {
  await using redis = await startRedis({ tcp: true });
  const admin = await RedisClient.connect(redis.url);
  try {
    await admin.command(["ACL", "SETUSER", "alice", "on", ">alice pw", "~*", "&*", "+@all"]);
    const overTcp = await RedisClient.connect(`redis://alice:alice%20pw@127.0.0.1:${redis.port}`);
    const overUnix = await RedisClient.connect({
      endpoint: { kind: "unix", path: redis.socket },
      username: "alice",
      password: "alice pw",
    });
    try {
      assert.equal(await overTcp.command(["ACL", "WHOAMI"]), "alice");
      assert.equal(await overUnix.command(["ACL", "WHOAMI"]), "alice");
    } finally {
      await overTcp.close();
      await overUnix.close();
    }
    const wrongUser = {
      endpoint: { kind: "unix" as const, path: redis.socket },
      username: "alice",
      password: "bad",
    };
    await assert.rejects(RedisClient.connect(wrongUser), RedisAuthError);
    // The same for a subscriber connection.
    await assert.rejects(Subscriber.connect(wrongUser), RedisAuthError);
  } finally {
    await admin.close();
  }
});

Deno.test("SELECT on connect: db from the URL; a db that does not exist is refused", async () => {
  await using redis = await startRedis();
  const db3 = await RedisClient.connect(`${redis.url}?db=3`);
  const db0 = await RedisClient.connect(redis.url);
  try {
    await db3.set("where", "three");
    assert.equal(await db3.get("where"), "three");
    assert.equal(await db0.get("where"), null);
    assert.match(String(await db3.command(["CLIENT", "INFO"])), / db=3 /);
    const dup = await db3.duplicate();
    assert.equal(await dup.get("where"), "three");
    await dup.close();
  } finally {
    await db3.close();
    await db0.close();
  }
  await assert.rejects(
    RedisClient.connect(`${redis.url}?db=99`),
    (err: unknown) => err instanceof RedisConnectionError && /refused SELECT 99/.test(err.message),
  );
});

Deno.test("connect timeout: a peer that accepts but never answers AUTH", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepted = listener.accept();
  try {
    await assert.rejects(
      RedisClient.connect({
        endpoint: { kind: "tcp", hostname: "127.0.0.1", port },
        password: "x",
        connectTimeoutMs: 200,
      }),
      (err: unknown) => {
        assert.ok(err instanceof RedisTimeoutError);
        assert.match(err.message, /timed out after 200 ms .*AUTH/);
        return true;
      },
    );
  } finally {
    (await accepted).close();
    listener.close();
  }
});

Deno.test("a silent peer without AUTH: a command can be bounded with an AbortSignal", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepted = listener.accept();
  const client = await RedisClient.connect(`redis://127.0.0.1:${port}`);
  try {
    await assert.rejects(
      client.command(["PING"], { signal: AbortSignal.timeout(100) }),
      RedisClosedError,
    );
    assert.equal(client.connected, false);
  } finally {
    await client.close();
    (await accepted).close();
    listener.close();
  }
});

Deno.test("connection refused and missing socket are RedisConnectionErrors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      RedisClient.connect(`unix://${dir}/none.sock`),
      (err: unknown) =>
        err instanceof RedisConnectionError && /socket not found/.test(err.message) &&
        err.message.includes(`unix://${dir}/none.sock`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await assert.rejects(
    RedisClient.connect(`redis://127.0.0.1:${freePort()}`),
    (err: unknown) => err instanceof RedisConnectionError && /connection refused/.test(err.message),
  );
});
