/**
 * `tt townhall` as a real process: start-up refusals (no town, non-loopback without auth,
 * mTLS), serving on a socket with one log line per request, TLS with a self-signed
 * certificate, a clean SIGTERM that lets an in-flight request finish; and `tt auth gen-key`.
 */
import assert from "node:assert/strict";
import { loadTownConfig, saveTownConfig, type TownConfig } from "../src/town/config.ts";
import { waitFor } from "./helpers/redis.ts";
import { makeTestTown, runTt, type TestTown, ttCommand } from "./helpers/tt.ts";

async function configure(town: TestTown, edit: (c: TownConfig) => void): Promise<void> {
  const c = await loadTownConfig(town.dir);
  edit(c);
  await saveTownConfig(town.dir, c);
}

interface Running {
  url: string;
  child: Deno.ChildProcess;
  /** stderr lines so far. */
  lines: string[];
  /** Resolves with the exit status. */
  done: Promise<Deno.CommandStatus>;
}

/** Starts `tt townhall ...args` and waits for its "listening on" line. */
async function serve(town: TestTown, ...args: string[]): Promise<Running> {
  const [cmd, ...pre] = ttCommand();
  const child = new Deno.Command(cmd, {
    args: [...pre, "--town", town.dir, "townhall", ...args],
    env: { NO_COLOR: "1", ...town.env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let resolveUrl!: (url: string) => void;
  let rejectUrl!: (err: Error) => void;
  const urlP = new Promise<string>((res, rej) => [resolveUrl, rejectUrl] = [res, rej]);
  const reading = (async () => {
    let buf = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        const m = /listening on (\S+)/.exec(line);
        if (m) resolveUrl(m[1]);
      }
    }
    rejectUrl(new Error(`townhall exited before listening: ${lines.join(" | ")}`));
  })();
  const done = child.status.then(async (s) => (await reading, s));
  return { url: await urlP, child, lines, done };
}

Deno.test("tt auth gen-key prints the key and its hash each alone on the line after its marker", async () => {
  const r = await runTt(["auth", "gen-key"]);
  assert.equal(r.code, 0);
  const lines = r.stdout.split("\n");
  const key = lines[lines.indexOf("API Key (store securely, shown only once):") + 1];
  const hash = lines[lines.indexOf("API Key Hash (add to tinytown.toml):") + 1];
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.ok(!r.stdout.includes(key, r.stdout.indexOf(hash)), "the key is shown once only");
  const j = JSON.parse((await runTt(["auth", "gen-key", "--json"])).stdout);
  assert.deepEqual(Object.keys(j).sort(), ["api_key", "api_key_hash"]);
});

Deno.test("start-up refusals are one line and exit 1: no town, public bind without auth, mTLS", async () => {
  const empty = await Deno.makeTempDir();
  try {
    const r = await runTt(["--town", empty, "townhall"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: no town at .*tinytown\.toml not found.*\n$/);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
  const town = await makeTestTown();
  try {
    const pub = await town.tt("townhall", "rest", "-b", "0.0.0.0", "-p", "0");
    assert.equal(pub.code, 1);
    assert.match(
      pub.stderr,
      /^error: refusing to serve REST on non-loopback address 0\.0\.0\.0 without authentication.*\n$/,
    );
    await configure(town, (c) => (c.townhall.auth.mode = "api_key"));
    const nohash = await town.tt("townhall", "-p", "0");
    assert.match(nohash.stderr, /needs api_key_hash/);
    await configure(town, (c) => {
      c.townhall.auth.mode = "none";
      c.townhall.mtls.enabled = true;
    });
    const mtls = await town.tt("townhall", "-p", "0");
    assert.equal(mtls.code, 1);
    assert.equal(mtls.stderr.split("\n").length, 2);
    assert.match(mtls.stderr, /mTLS is not supported/);
    assert.equal((await town.tt("townhall", "-p", "99999")).code, 2);
  } finally {
    await town.cleanup();
  }
});

Deno.test("serves on a socket, logs one line per request, finishes an in-flight request on SIGTERM", async () => {
  const town = await makeTestTown();
  try {
    const s = await serve(town, "rest", "-b", "127.0.0.1", "-p", "0");
    const health = await fetch(`${s.url}/health`);
    assert.equal((await health.json()).status, "ok");
    const id = health.headers.get("x-request-id")!;
    await waitFor("the request line", () => s.lines.some((l) => l.includes(id)));
    assert.match(s.lines.find((l) => l.includes(id))!, / GET \/health 200 [\d.]+ms anonymous$/);
    // A POST whose body is still arriving is in flight when SIGTERM comes.
    let send!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (send = c) });
    const pending = fetch(`${s.url}/v1/backlog`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    send.enqueue(new TextEncoder().encode('{"description":'));
    const deadline = Date.now() + 10_000;
    while (
      !/\ntownhall_http_requests_in_flight 2\n/.test(await (await fetch(`${s.url}/metrics`)).text())
    ) {
      assert.ok(Date.now() < deadline, "the POST reached the server");
    }
    s.child.kill("SIGTERM");
    await waitFor("the shutdown line", () => s.lines.some((l) => l.includes("shutting down")));
    send.enqueue(new TextEncoder().encode('"added during shutdown"}'));
    send.close();
    const res = await pending;
    assert.equal(res.status, 201, s.lines.join("\n"));
    await res.body?.cancel();
    const status = await s.done;
    assert.equal(status.code, 0);
    assert.ok(s.lines.some((l) => l.includes("townhall REST stopped")));
    const list = JSON.parse(await town.ok("backlog", "list", "--json"));
    assert.ok(JSON.stringify(list).includes("added during shutdown"));
    // The audit file got the POST, and is private.
    const audit = await Deno.readTextFile(`${town.dir}/.tt/logs/audit.jsonl`);
    assert.match(audit, /"path":"\/v1\/backlog","status":201/);
    assert.equal((await Deno.stat(`${town.dir}/.tt/logs/audit.jsonl`)).mode! & 0o777, 0o600);
  } finally {
    await town.cleanup();
  }
});

Deno.test({
  name: "TLS: [townhall.tls] is really served (https with a self-signed certificate)",
  ignore: !(await hasOpenssl()),
  fn: async () => {
    const town = await makeTestTown();
    try {
      const cert = `${town.dir}/cert.pem`;
      const key = `${town.dir}/key.pem`;
      const gen = await new Deno.Command("openssl", {
        args: [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-keyout",
          key,
          "-out",
          cert,
          "-days",
          "1",
          "-subj",
          "/CN=localhost",
          "-addext",
          "subjectAltName=IP:127.0.0.1,DNS:localhost",
          "-addext",
          "basicConstraints=critical,CA:FALSE",
          "-addext",
          "extendedKeyUsage=serverAuth",
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(gen.code, 0, new TextDecoder().decode(gen.stderr));
      await configure(
        town,
        (c) => (c.townhall.tls = { enabled: true, certFile: "cert.pem", keyFile: "key.pem" }),
      );
      const s = await serve(town, "-p", "0");
      try {
        assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(cert)] });
        const r = await fetch(`${s.url}/v1/town`, { client });
        assert.equal(r.status, 200);
        assert.ok((await r.json()).name);
        client.close();
        // Plain HTTP on the TLS port gets no answer.
        await assert.rejects(fetch(s.url.replace("https", "http") + "/health"));
      } finally {
        s.child.kill("SIGINT");
        assert.equal((await s.done).code, 0);
      }
    } finally {
      await town.cleanup();
    }
  },
});

async function hasOpenssl(): Promise<boolean> {
  try {
    return (await new Deno.Command("openssl", { args: ["version"], stdout: "null" }).output())
      .success;
  } catch {
    console.warn("openssl not found: the TLS test is skipped");
    return false;
  }
}
