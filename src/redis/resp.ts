/**
 * RESP2: command encoding and a streaming reply parser.
 *
 * The parser is resumable: it keeps a stack of partly filled arrays, so a reply split at any
 * byte costs no re-parsing of what was already read, and a large bulk value is copied once.
 */
import { RedisReplyError } from "./errors.ts";

/** What a command argument may be: text (sent as UTF-8), a number, or raw bytes. */
export type RedisArg = string | number | Uint8Array;

/** A parsed reply. Bulk strings stay bytes here; the client decodes them when asked. */
export type RespValue = string | number | Uint8Array | null | RedisReplyError | RespValue[];

const encoder = new TextEncoder();
const CR = 13;
const LF = 10;

function argBytes(arg: RedisArg): Uint8Array {
  if (arg instanceof Uint8Array) return arg;
  return encoder.encode(typeof arg === "number" ? String(arg) : arg);
}

/** Encodes commands into one buffer, ready for a single write. */
export function encodeCommands(commands: readonly (readonly RedisArg[])[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const args of commands) {
    const head = encoder.encode(`*${args.length}\r\n`);
    parts.push(head);
    size += head.length;
    for (const arg of args) {
      const bytes = argBytes(arg);
      const len = encoder.encode(`$${bytes.length}\r\n`);
      parts.push(len, bytes, CRLF);
      size += len.length + bytes.length + 2;
    }
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const CRLF = new Uint8Array([CR, LF]);

export function encodeCommand(args: readonly RedisArg[]): Uint8Array {
  return encodeCommands([args]);
}

/** Thrown when the byte stream is not valid RESP; the connection cannot continue after it. */
export class RespProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RespProtocolError";
  }
}

interface Frame {
  items: RespValue[];
  remaining: number;
}

const latin1 = new TextDecoder("latin1");

/**
 * Feed it bytes as they arrive; it returns every reply completed so far, in order.
 * Unconsumed bytes are kept until more arrive.
 */
export class RespParser {
  #buf = new Uint8Array(64 * 1024);
  #start = 0; // first unconsumed byte
  #end = 0; // one past the last byte received
  #stack: Frame[] = [];

  /** Bytes received but not yet part of a completed reply (for tests and diagnostics). */
  get buffered(): number {
    return this.#end - this.#start;
  }

  push(chunk: Uint8Array): RespValue[] {
    this.#append(chunk);
    const out: RespValue[] = [];
    for (;;) {
      const value = this.#next();
      if (value === INCOMPLETE) break;
      const done = this.#complete(value);
      if (done !== INCOMPLETE) out.push(done);
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return out;
  }

  #append(chunk: Uint8Array): void {
    const free = this.#buf.length - this.#end;
    if (chunk.length > free) {
      const live = this.#end - this.#start;
      const need = live + chunk.length;
      if (need <= this.#buf.length && this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        let cap = this.#buf.length;
        while (cap < need) cap *= 2;
        const next = new Uint8Array(cap);
        next.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = next;
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Places a finished value in its enclosing array; returns it when it is a whole reply. */
  #complete(value: RespValue | typeof OPEN_ARRAY): RespValue | typeof INCOMPLETE {
    let v: RespValue | typeof OPEN_ARRAY = value;
    for (;;) {
      if (v === OPEN_ARRAY) return INCOMPLETE; // a new frame was pushed; keep reading
      const top = this.#stack[this.#stack.length - 1];
      if (!top) return v;
      top.items.push(v);
      if (--top.remaining > 0) return INCOMPLETE;
      this.#stack.pop();
      v = top.items;
    }
  }

  /** Reads one element header (and its body when it has one). */
  #next(): RespValue | typeof OPEN_ARRAY | typeof INCOMPLETE {
    const buf = this.#buf;
    const start = this.#start;
    if (start >= this.#end) return INCOMPLETE;
    const lineEnd = this.#findCRLF(start + 1);
    if (lineEnd < 0) return INCOMPLETE;
    const type = buf[start];
    switch (type) {
      case 43: { // '+'
        this.#start = lineEnd + 2;
        return latin1ToString(buf, start + 1, lineEnd);
      }
      case 45: { // '-'
        this.#start = lineEnd + 2;
        return new RedisReplyError(utf8(buf.subarray(start + 1, lineEnd)));
      }
      case 58: { // ':'
        this.#start = lineEnd + 2;
        return this.#int(start + 1, lineEnd);
      }
      case 36: { // '$'
        const len = this.#int(start + 1, lineEnd);
        if (len < 0) {
          this.#start = lineEnd + 2;
          return null;
        }
        const bodyStart = lineEnd + 2;
        if (this.#end < bodyStart + len + 2) return INCOMPLETE;
        if (buf[bodyStart + len] !== CR || buf[bodyStart + len + 1] !== LF) {
          throw new RespProtocolError("bulk string not terminated by CRLF");
        }
        this.#start = bodyStart + len + 2;
        return buf.slice(bodyStart, bodyStart + len);
      }
      case 42: { // '*'
        const len = this.#int(start + 1, lineEnd);
        this.#start = lineEnd + 2;
        if (len < 0) return null;
        if (len === 0) return [];
        this.#stack.push({ items: [], remaining: len });
        return OPEN_ARRAY;
      }
      default:
        throw new RespProtocolError(`unexpected reply type byte 0x${type.toString(16)}`);
    }
  }

  #findCRLF(from: number): number {
    const buf = this.#buf;
    const end = this.#end - 1;
    for (let i = from; i < end; i++) {
      if (buf[i] === CR && buf[i + 1] === LF) return i;
    }
    return -1;
  }

  #int(from: number, to: number): number {
    const buf = this.#buf;
    let i = from;
    let neg = false;
    if (buf[i] === 45) {
      neg = true;
      i++;
    }
    if (i >= to) throw new RespProtocolError("empty integer in reply");
    let n = 0;
    for (; i < to; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) throw new RespProtocolError("bad integer in reply");
      n = n * 10 + d;
    }
    return neg ? -n : n;
  }
}

const INCOMPLETE = Symbol("incomplete");
const OPEN_ARRAY = Symbol("open-array");

function latin1ToString(buf: Uint8Array, from: number, to: number): string {
  // Status replies are short ASCII (OK, PONG, QUEUED); avoid a decoder call for them.
  if (to - from <= 16) {
    let s = "";
    for (let i = from; i < to; i++) s += String.fromCharCode(buf[i]);
    return s;
  }
  return latin1.decode(buf.subarray(from, to));
}

const utf8Decoder = new TextDecoder();
export function utf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** A reply with every bulk string decoded as UTF-8 (invalid bytes become U+FFFD). */
export type RedisValue = string | number | null | RedisValue[];

/** Decodes bulk strings to text. Errors nested in arrays stay as error objects. */
export function decodeReply(value: RespValue): RedisValue | RedisReplyError {
  if (value instanceof Uint8Array) return utf8Decoder.decode(value);
  if (Array.isArray(value)) return value.map(decodeReply) as RedisValue[];
  return value;
}
