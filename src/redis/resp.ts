/**
 * RESP2: the reply parser (and, re-exported, the command encoder).
 *
 * The parser reads replies straight out of the socket's read buffer, copying only what is
 * left over at the end of a read, and can decode bulk strings to text while parsing, which
 * saves a copy and an allocation per value. It is resumable: it keeps a stack of partly filled
 * arrays, so a reply split at any byte costs no re-parsing of finished elements.
 */
import { RedisReplyError } from "./errors.ts";
export { CommandBuffer, encodeCommand, encodeCommands, type RedisArg } from "./resp_encode.ts";

/** A parsed reply. Bulk strings stay bytes here; the client decodes them when asked. */
export type RespValue = string | number | Uint8Array | null | RedisReplyError | RespValue[];

/** A reply with every bulk string decoded as UTF-8 (invalid bytes become U+FFFD). */
export type RedisValue = string | number | null | RedisValue[];

const CR = 13;
const LF = 10;
const utf8Decoder = new TextDecoder();

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

const OWNED_SIZE = 16 * 1024;

/**
 * Feed it bytes as they arrive with `feed`, then call `next` until it returns undefined.
 * Unconsumed bytes are kept until more arrive. `push` does both for callers that want all
 * replies of a chunk in one array.
 */
export class RespParser {
  /** Bytes being parsed: either `#owned` or, borrowed, the chunk last fed. */
  #buf: Uint8Array = new Uint8Array(0);
  #owned = new Uint8Array(OWNED_SIZE);
  #borrowed = false;
  #start = 0; // first unconsumed byte
  #end = 0; // one past the last byte received
  #stack: Frame[] = [];
  #text = false;

  /** Bytes received but not yet part of a completed reply (for tests and diagnostics). */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Parses every reply completed by `chunk`. With `text`, bulk strings are decoded as UTF-8. */
  push(chunk: Uint8Array, text = false): RespValue[] {
    this.feed(chunk);
    const out: RespValue[] = [];
    for (let v = this.next(text); v !== undefined; v = this.next(text)) out.push(v);
    return out;
  }

  /**
   * Adds received bytes. The parser may read `chunk` in place until `next` returns undefined,
   * so the caller must not reuse it before then.
   */
  feed(chunk: Uint8Array): void {
    if (this.#borrowed) this.#keepRest();
    if (this.#start === this.#end) {
      this.#buf = chunk;
      this.#start = 0;
      this.#end = chunk.length;
      this.#borrowed = true;
      return;
    }
    this.#ensureRoom(chunk.length);
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /**
   * The next complete reply, or undefined when more bytes are needed (everything not yet
   * parsed is then safely copied). `text` decodes bulk strings of that reply as UTF-8; it
   * must be the same for every call that contributes to one reply.
   */
  next(text = false): RespValue | undefined {
    this.#text = text;
    for (;;) {
      const value = this.#element();
      if (value === INCOMPLETE) {
        this.#keepRest();
        return undefined;
      }
      if (value === OPEN_ARRAY) continue;
      const done = this.#complete(value);
      if (done !== INCOMPLETE) return done;
    }
  }

  /** Stops borrowing the caller's chunk: copies its unparsed tail into our own buffer. */
  #keepRest(): void {
    if (!this.#borrowed) {
      if (this.#start === this.#end) this.#reset();
      return;
    }
    this.#borrowed = false;
    const rest = this.#buf.subarray(this.#start, this.#end);
    if (rest.length > this.#owned.length) this.#owned = new Uint8Array(rest.length * 2);
    this.#owned.set(rest);
    this.#buf = this.#owned;
    this.#start = 0;
    this.#end = rest.length;
  }

  #reset(): void {
    this.#start = this.#end = 0;
    if (this.#owned.length > 1024 * 1024) this.#owned = new Uint8Array(OWNED_SIZE);
    this.#buf = this.#owned;
  }

  #ensureRoom(extra: number): void {
    const live = this.#end - this.#start;
    const need = live + extra;
    if (this.#end + extra <= this.#buf.length) return;
    if (need <= this.#buf.length) {
      this.#buf.copyWithin(0, this.#start, this.#end);
    } else {
      let cap = this.#buf.length;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = this.#owned = next;
    }
    this.#start = 0;
    this.#end = live;
  }

  /** Places a finished value in its enclosing array; returns it when it is a whole reply. */
  #complete(value: RespValue): RespValue | typeof INCOMPLETE {
    let v = value;
    for (;;) {
      const top = this.#stack[this.#stack.length - 1];
      if (!top) return v;
      top.items.push(v);
      if (--top.remaining > 0) return INCOMPLETE;
      this.#stack.pop();
      v = top.items;
    }
  }

  /** Reads one element header (and its body when it has one). */
  #element(): RespValue | typeof OPEN_ARRAY | typeof INCOMPLETE {
    const buf = this.#buf;
    const start = this.#start;
    if (start >= this.#end) return INCOMPLETE;
    const lineEnd = this.#findCRLF(start + 1);
    if (lineEnd < 0) return INCOMPLETE;
    const type = buf[start];
    switch (type) {
      case 43: { // '+'
        this.#start = lineEnd + 2;
        return asciiOrUtf8(buf, start + 1, lineEnd);
      }
      case 45: { // '-'
        this.#start = lineEnd + 2;
        return new RedisReplyError(utf8Decoder.decode(buf.subarray(start + 1, lineEnd)));
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
        const from = lineEnd + 2;
        const to = from + len;
        if (this.#end < to + 2) {
          // Make room for the whole value now rather than doubling on every read.
          if (!this.#borrowed) this.#ensureRoom(to + 2 - this.#end);
          return INCOMPLETE;
        }
        if (buf[to] !== CR || buf[to + 1] !== LF) {
          throw new RespProtocolError("bulk string not terminated by CRLF");
        }
        this.#start = to + 2;
        return this.#text ? asciiOrUtf8(buf, from, to) : buf.slice(from, to);
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

/** Decodes UTF-8; short ASCII (OK, PONG, keys, ids) is built by hand, skipping a decoder call. */
function asciiOrUtf8(buf: Uint8Array, from: number, to: number): string {
  if (to - from <= 16) {
    let s = "";
    for (let i = from; i < to; i++) {
      const c = buf[i];
      if (c > 127) return utf8Decoder.decode(buf.subarray(from, to));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8Decoder.decode(buf.subarray(from, to));
}

export function utf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** Decodes bulk strings to text. Errors nested in arrays stay as error objects. */
export function decodeReply(value: RespValue): RedisValue | RedisReplyError {
  if (value instanceof Uint8Array) return utf8Decoder.decode(value);
  if (Array.isArray(value)) return value.map(decodeReply) as RedisValue[];
  return value;
}
