/**
 * RESP2 encoder and streaming parser. The parser must give the same replies however the
 * bytes are split across reads: byte by byte, at every position, at random, all at once.
 */
import assert from "node:assert/strict";
import {
  CommandBuffer,
  decodeReply,
  encodeCommand,
  encodeCommands,
  type RedisArg,
  RespParser,
  RespProtocolError,
  type RespValue,
} from "../src/redis/resp.ts";
import { RedisError, RedisReplyError } from "../src/redis/errors.ts";
import { startRedis } from "./helpers/redis.ts";

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A comparable form: bytes as arrays, errors as their text. */
type Plain = string | number | null | { bytes: number[] } | { error: string } | Plain[];
function plain(v: RespValue): Plain {
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (v instanceof RedisReplyError) return { error: v.text };
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/** Deterministic pseudo-random numbers, so a failure can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function parseChunks(chunks: Uint8Array[], text = false): Plain[] {
  const parser = new RespParser();
  const out: RespValue[] = [];
  for (const c of chunks) out.push(...parser.push(c, text));
  assert.equal(parser.buffered, 0, "bytes left over after the last reply");
  return out.map(plain);
}

function splitAt(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, data.length]) {
    chunks.push(data.subarray(from, cut));
    from = cut;
  }
  return chunks;
}

const binaryWithCrlf = new Uint8Array([0, 13, 10, 255, 36, 13, 10, 42, 0xc3, 0x28, 13]);
const large = (() => {
  const next = rng(7);
  return Uint8Array.from({ length: 200_000 }, () => Math.floor(next() * 256));
})();

/** Recorded replies and what each must parse to. */
const corpus: { name: string; wire: Uint8Array; value: Plain }[] = [
  { name: "simple", wire: bytes("+OK\r\n"), value: "OK" },
  { name: "empty simple", wire: bytes("+\r\n"), value: "" },
  {
    name: "error",
    wire: bytes("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    value: { error: "WRONGTYPE Operation against a key holding the wrong kind of value" },
  },
  { name: "integer", wire: bytes(":1000\r\n"), value: 1000 },
  { name: "negative integer", wire: bytes(":-2\r\n"), value: -2 },
  { name: "zero", wire: bytes(":0\r\n"), value: 0 },
  { name: "bulk", wire: bytes("$5\r\nhello\r\n"), value: { bytes: [...bytes("hello")] } },
  { name: "utf-8 bulk", wire: bytes("$6\r\nhéllo\r\n"), value: { bytes: [...bytes("héllo")] } },
  { name: "null bulk", wire: bytes("$-1\r\n"), value: null },
  { name: "empty bulk", wire: bytes("$0\r\n\r\n"), value: { bytes: [] } },
  {
    name: "binary bulk with CRLF inside",
    wire: concat(bytes(`$${binaryWithCrlf.length}\r\n`), binaryWithCrlf, bytes("\r\n")),
    value: { bytes: [...binaryWithCrlf] },
  },
  { name: "null array", wire: bytes("*-1\r\n"), value: null },
  { name: "empty array", wire: bytes("*0\r\n"), value: [] },
  {
    name: "nested arrays",
    wire: bytes("*4\r\n*2\r\n:1\r\n$1\r\na\r\n*0\r\n*-1\r\n*1\r\n*1\r\n+deep\r\n"),
    value: [[1, { bytes: [97] }], [], null, [["deep"]]],
  },
  {
    name: "EXEC reply with an error inside",
    wire: bytes("*3\r\n:1\r\n-ERR value is not an integer\r\n$-1\r\n"),
    value: [1, { error: "ERR value is not an integer" }, null],
  },
  {
    name: "stream entries",
    wire: bytes("*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"),
    value: [[{ bytes: [...bytes("1-0")] }, [{ bytes: [102] }, { bytes: [118] }]]],
  },
];
const small = corpus;
const allSmall = concat(...small.map((c) => c.wire));
const expectedSmall = small.map((c) => c.value);
const largeWire = concat(bytes(`$${large.length}\r\n`), large, bytes("\r\n"));

Deno.test("parser: each recorded reply, all in one read", () => {
  for (const c of corpus) assert.deepEqual(parseChunks([c.wire]), [c.value], c.name);
  assert.deepEqual(parseChunks([largeWire]), [{ bytes: [...large] }]);
});

Deno.test("parser: many replies in one read", () => {
  const many = concat(...Array.from({ length: 50 }, () => allSmall));
  const expected = Array.from({ length: 50 }, () => expectedSmall).flat();
  assert.deepEqual(parseChunks([many]), expected);
});

Deno.test("parser: byte by byte", () => {
  const data = concat(allSmall, allSmall);
  const chunks = Array.from(data, (_, i) => data.subarray(i, i + 1));
  assert.deepEqual(parseChunks(chunks), [...expectedSmall, ...expectedSmall]);
});

Deno.test("parser: every single split position of each small reply and of the whole stream", () => {
  for (const c of small) {
    for (let cut = 0; cut <= c.wire.length; cut++) {
      assert.deepEqual(parseChunks(splitAt(c.wire, [cut])), [c.value], `${c.name} @${cut}`);
    }
  }
  for (let cut = 0; cut <= allSmall.length; cut++) {
    assert.deepEqual(parseChunks(splitAt(allSmall, [cut])), expectedSmall, `stream @${cut}`);
  }
});

Deno.test("parser: every pair of split positions in each small reply", () => {
  for (const c of small) {
    for (let a = 0; a <= c.wire.length; a++) {
      for (let b = a; b <= c.wire.length; b++) {
        assert.deepEqual(parseChunks(splitAt(c.wire, [a, b])), [c.value], `${c.name} @${a},${b}`);
      }
    }
  }
});

Deno.test("parser: random splits of everything, including a large bulk", () => {
  const data = concat(allSmall, largeWire, allSmall, largeWire, allSmall);
  const expected = [
    ...expectedSmall,
    { bytes: [...large] },
    ...expectedSmall,
    { bytes: [...large] },
    ...expectedSmall,
  ];
  const next = rng(42);
  for (let round = 0; round < 40; round++) {
    const cuts: number[] = [];
    // Mix tiny and huge pieces: some rounds cut often, others rarely.
    const meanPiece = [1, 7, 100, 4096, 70_000][round % 5];
    for (let at = 0; at < data.length;) {
      at += 1 + Math.floor(next() * meanPiece * 2);
      if (at < data.length) cuts.push(at);
    }
    assert.deepEqual(parseChunks(splitAt(data, cuts)), expected, `round ${round}`);
  }
});

Deno.test("parser: a reused read buffer does not corrupt what is kept between reads", () => {
  // The connection reads into one buffer over and over; the parser must copy any tail it keeps.
  const data = concat(allSmall, largeWire, allSmall);
  const readBuf = new Uint8Array(1000);
  const parser = new RespParser();
  const out: RespValue[] = [];
  for (let at = 0; at < data.length; at += 333) {
    const piece = data.subarray(at, at + 333);
    readBuf.fill(0xee);
    readBuf.set(piece);
    out.push(...parser.push(readBuf.subarray(0, piece.length)));
  }
  assert.deepEqual(out.map(plain), [...expectedSmall, { bytes: [...large] }, ...expectedSmall]);
});

Deno.test("parser: text mode decodes bulk strings as UTF-8, invalid bytes as U+FFFD", () => {
  const wire = concat(
    bytes("$6\r\nhéllo\r\n*2\r\n$1\r\nx\r\n:3\r\n"),
    bytes("$2\r\n"),
    new Uint8Array([0xc3, 0x28]),
    bytes("\r\n$40\r\n"),
    bytes("a".repeat(39) + "é").subarray(0, 40),
    bytes("\r\n"),
  );
  const expected = ["héllo", ["x", 3], "\ufffd(", "a".repeat(39) + "\ufffd"];
  for (let cut = 0; cut <= wire.length; cut++) {
    assert.deepEqual(parseChunks(splitAt(wire, [cut]), true), expected, `@${cut}`);
  }
});

Deno.test("parser: malformed input is a protocol error", () => {
  assert.throws(() => new RespParser().push(bytes("!oops\r\n")), RespProtocolError);
  assert.throws(() => new RespParser().push(bytes(":12a\r\n")), RespProtocolError);
  assert.throws(() => new RespParser().push(bytes("$3\r\nabcde\r\n")), RespProtocolError);
});

Deno.test("decodeReply turns bytes into text and keeps errors", () => {
  const err = new RedisReplyError("ERR x");
  assert.deepEqual(decodeReply([bytes("a"), 1, null, [bytes("é")], err]), [
    "a",
    1,
    null,
    ["é"],
    err,
  ]);
});

Deno.test("encoder: strings, numbers and bytes", () => {
  const text = (args: RedisArg[]) => new TextDecoder().decode(encodeCommand(args));
  assert.equal(text(["SET", "k", "v"]), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  assert.equal(text(["ECHO", ""]), "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
  assert.equal(text(["ECHO", "héllo"]), "*2\r\n$4\r\nECHO\r\n$6\r\nhéllo\r\n");
  assert.equal(
    text(["ZADD", "z", 1.5, -3, 0, Infinity, -Infinity, 12345678901]),
    "*8\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\n1.5\r\n$2\r\n-3\r\n$1\r\n0\r\n$4\r\n+inf\r\n" +
      "$4\r\n-inf\r\n$11\r\n12345678901\r\n",
  );
  const bin = encodeCommand(["SET", "k", binaryWithCrlf]);
  const head = bytes(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${binaryWithCrlf.length}\r\n`);
  assert.deepEqual([...bin], [...head, ...binaryWithCrlf, 13, 10]);
});

Deno.test("encoder: many commands in one buffer; ten or more arguments", () => {
  const args = Array.from({ length: 12 }, (_, i) => `a${i}`);
  const one = encodeCommand(args);
  assert.ok(new TextDecoder().decode(one).startsWith("*12\r\n$2\r\na0\r\n"));
  const two = encodeCommands([["PING"], args]);
  assert.deepEqual([...two], [...bytes("*1\r\n$4\r\nPING\r\n"), ...one]);
});

Deno.test("encoder: what it writes parses back to the same arguments (random strings)", () => {
  const next = rng(3);
  const alphabet = ["a", "Z", "0", " ", "\r", "\n", "é", "€", "😀", "\u0000", "$", "*"];
  for (let round = 0; round < 200; round++) {
    const args: string[] = [];
    const count = 1 + Math.floor(next() * 5);
    for (let i = 0; i < count; i++) {
      const len = Math.floor(next() * (next() < 0.2 ? 300 : 20));
      let s = "";
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(next() * alphabet.length)];
      args.push(s);
    }
    const parsed = new RespParser().push(encodeCommand(args), true);
    assert.deepEqual(parsed, [args]);
  }
});

Deno.test("encoder: text encoded in place has the bytes and length TextEncoder gives", () => {
  const utf8 = new TextEncoder();
  const reference = (args: string[]) => {
    const parts = [bytes(`*${args.length}\r\n`)];
    for (const a of args) {
      const b = utf8.encode(a);
      parts.push(bytes(`$${b.length}\r\n`), b, bytes("\r\n"));
    }
    return parts.flatMap((p) => [...p]);
  };
  const cases = [
    "é".repeat(4), // room for 12 bytes (2 digits), needs 8 (1 digit): the text moves back
    "é".repeat(40), // 120 reserved, 80 written
    "x".repeat(65), // just past the hand-copied size, ASCII
    "😀".repeat(30), // surrogate pairs: 4 bytes per 2 units
    "a\ud800b".repeat(30), // lone surrogates become U+FFFD (3 bytes)
    "€".repeat(70_000), // past the in-place size: encoded apart
    "y".repeat(64 * 1024),
  ];
  for (const text of cases) {
    const args = ["SET", text, "k"];
    assert.deepEqual([...encodeCommand(args)], reference(args), `${text.slice(0, 8)}…`);
  }
  // Several in one buffer, each in place.
  assert.deepEqual(
    [...encodeCommands([["A", "é".repeat(4)], ["B", "é".repeat(40)]])],
    [...reference(["A", "é".repeat(4)]), ...reference(["B", "é".repeat(40)])],
  );
});

Deno.test("encoder: a bad argument throws and leaves the buffer as it was", () => {
  const buf = new CommandBuffer(64);
  buf.append(["PING"]);
  const before = buf.length;
  assert.throws(() => buf.append(["SET", "k", NaN]), RedisError);
  assert.throws(() => buf.append(["SET", "k", true as unknown as string]), /invalid Redis/);
  assert.equal(buf.length, before);
  buf.append(["PING"]);
  buf.truncate(before);
  assert.deepEqual([...buf.take()], [...bytes("*1\r\n$4\r\nPING\r\n")]);
  assert.equal(buf.length, 0);
});

Deno.test("CommandBuffer: taken bytes stay intact while the next batch is encoded", () => {
  const buf = new CommandBuffer(16);
  buf.append(["SET", "key", "x".repeat(100)]); // grows past the initial size
  const first = buf.take();
  const copy = first.slice();
  buf.append(["SET", "other", "y".repeat(100)]);
  assert.deepEqual(first, copy);
  const second = buf.take();
  assert.ok(new TextDecoder().decode(second).includes("other"));
});

Deno.test("parser: replies recorded from a real redis-server, split every way", async () => {
  const redis = await startRedis();
  const commands: RedisArg[][] = [
    ["SET", "s", "hello"],
    ["SET", "bin", binaryWithCrlf],
    ["RPUSH", "l", "a", "", "c"],
    ["HSET", "h", "f", "v"],
    ["XADD", "x", "1-1", "field", "value"],
    ["PING"],
    ["GET", "s"],
    ["GET", "bin"],
    ["GET", "missing"],
    ["SET", "empty", ""],
    ["GET", "empty"],
    ["LRANGE", "l", 0, -1],
    ["LRANGE", "missing", 0, -1],
    ["HGETALL", "h"],
    ["XRANGE", "x", "-", "+"],
    ["INCR", "s"],
    ["NOSUCHCOMMAND"],
    ["MULTI"],
    ["INCR", "n"],
    ["GET", "s"],
    ["EXEC"],
    ["BLPOP", "missing", "0.01"],
    ["EVAL", "return {1, {2, 'x'}, redis.status_reply('OK'), false}", 0],
    ["ECHO", "x".repeat(5000)],
  ];
  let conn: Deno.UnixConn | undefined;
  try {
    conn = await Deno.connect({ transport: "unix", path: redis.socket });
    await conn.write(encodeCommands(commands));
    // Record the raw stream until the whole conversation has been answered.
    const parts: Uint8Array[] = [];
    const counter = new RespParser();
    let replies = 0;
    const buf = new Uint8Array(64 * 1024);
    while (replies < commands.length) {
      const n = await conn.read(buf);
      assert.ok(n !== null, "server closed early");
      parts.push(buf.slice(0, n));
      replies += counter.push(buf.subarray(0, n)).length;
    }
    const recorded = concat(...parts);
    const whole = parseChunks([recorded]);
    assert.equal(whole.length, commands.length);
    assert.deepEqual(whole[6], { bytes: [...bytes("hello")] });
    assert.deepEqual(whole[7], { bytes: [...binaryWithCrlf] });
    assert.equal(whole[8], null);
    assert.deepEqual(whole[11], [{ bytes: [97] }, { bytes: [] }, { bytes: [99] }]);
    assert.deepEqual(whole[12], []);
    assert.match((whole[15] as { error: string }).error, /^ERR value is not an integer/);
    assert.match((whole[16] as { error: string }).error, /^ERR unknown command/);
    assert.deepEqual(whole[20], [1, { bytes: [...bytes("hello")] }]);
    assert.equal(whole[21], null);
    assert.deepEqual(whole[22], [1, [2, { bytes: [120] }], "OK", null]);
    const bytewise = parseChunks(Array.from(recorded, (_, i) => recorded.subarray(i, i + 1)));
    assert.deepEqual(bytewise, whole);
    const next = rng(11);
    for (let round = 0; round < 30; round++) {
      const cuts = [
        ...new Set(
          Array.from({ length: 1 + round * 3 }, () => Math.floor(next() * recorded.length)),
        ),
      ].sort((a, b) => a - b);
      assert.deepEqual(parseChunks(splitAt(recorded, cuts)), whole, `round ${round}`);
    }
  } finally {
    conn?.close();
    await redis.stop();
  }
});
