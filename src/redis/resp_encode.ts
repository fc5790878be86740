/**
 * RESP2 command encoding. Commands are written straight into a reusable buffer, and ASCII
 * text is copied by hand: both a TextEncoder call and a small Uint8Array allocation cost more
 * than the bytes of a typical command.
 */
import { RedisError } from "./errors.ts";

/** What a command argument may be: text (sent as UTF-8), a number, or raw bytes. */
export type RedisArg = string | number | Uint8Array;

const CR = 13;
const LF = 10;
const textEncoder = new TextEncoder();
/** Strings up to this length are checked for ASCII and copied by hand. */
const SHORT_TEXT = 64;
/**
 * Longer strings up to this length are encoded straight into the output buffer (room for
 * their worst case, 3 bytes per UTF-16 unit, is made first); longer ones are encoded apart,
 * so that a huge value does not grow the buffer to three times its size.
 */
const DIRECT_TEXT = 64 * 1024;

/**
 * Per-argument scratch for the encoder: a string (copied by hand when `handCopied`, else
 * encoded in place) or the argument's bytes.
 */
const items: (string | Uint8Array)[] = [];
const handCopied: boolean[] = [];

/** Resolves the bytes of each argument into `items`; returns the encoded size of the command. */
function prepare(args: readonly RedisArg[]): number {
  let size = 3 + digitCount(args.length);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    let item: string | Uint8Array;
    handCopied[i] = true;
    if (typeof arg === "string") {
      if (arg.length <= SHORT_TEXT && isAscii(arg)) {
        item = arg;
      } else if (arg.length <= DIRECT_TEXT) {
        handCopied[i] = false;
        items[i] = arg;
        size += 5 + digitCount(arg.length * 3) + arg.length * 3;
        continue;
      } else {
        item = textEncoder.encode(arg);
      }
    } else if (typeof arg === "number") {
      item = numberText(arg);
    } else if (arg instanceof Uint8Array) {
      item = arg;
    } else {
      items.length = 0;
      throw new RedisError(`invalid Redis command argument of type ${typeof arg}`);
    }
    items[i] = item;
    size += 5 + digitCount(item.length) + item.length;
  }
  return size;
}

/** Writes the command whose arguments `prepare` resolved; returns the new offset. */
function write(out: Uint8Array, at: number, count: number): number {
  out[at++] = 42; // '*'
  at = writeUint(out, at, count);
  out[at++] = CR;
  out[at++] = LF;
  for (let i = 0; i < count; i++) {
    const item = items[i];
    items[i] = ""; // drop references to caller data
    if (typeof item === "string" && !handCopied[i]) {
      at = writeText(out, at, item);
      continue;
    }
    const len = item.length;
    out[at++] = 36; // '$'
    at = writeUint(out, at, len);
    out[at++] = CR;
    out[at++] = LF;
    if (typeof item === "string") {
      for (let j = 0; j < len; j++) out[at++] = item.charCodeAt(j);
    } else {
      out.set(item, at);
      at += len;
    }
    out[at++] = CR;
    out[at++] = LF;
  }
  return at;
}

/**
 * Writes a bulk string of `text` encoded in place: the length is known only once the text is
 * encoded, so the text goes where the longest length would leave it and moves back when its
 * length has fewer digits (rarely: only when it is not mostly ASCII).
 */
function writeText(out: Uint8Array, at: number, text: string): number {
  const reserved = digitCount(text.length * 3);
  out[at++] = 36; // '$'
  const body = at + reserved + 2;
  const { written } = textEncoder.encodeInto(text, out.subarray(body));
  const digits = digitCount(written);
  if (digits < reserved) out.copyWithin(at + digits + 2, body, body + written);
  at = writeUint(out, at, written);
  out[at++] = CR;
  out[at++] = LF;
  at += written;
  out[at++] = CR;
  out[at++] = LF;
  return at;
}

/** Encodes commands into one new buffer, ready for a single write. */
export function encodeCommands(commands: readonly (readonly RedisArg[])[]): Uint8Array {
  const out = new CommandBuffer(0);
  for (const args of commands) out.append(args);
  return out.take().slice();
}

export function encodeCommand(args: readonly RedisArg[]): Uint8Array {
  return encodeCommands([args]);
}

/**
 * Commands waiting to be written, encoded into one of two reusable buffers. `take()` hands
 * out the filled one and continues in the other, so the bytes it returned stay untouched
 * until the next `take()` (the connection calls it again only after the write finished).
 */
export class CommandBuffer {
  #buf: Uint8Array;
  #spare: Uint8Array;
  #len = 0;

  constructor(readonly initialSize = 16 * 1024) {
    this.#buf = new Uint8Array(initialSize);
    this.#spare = new Uint8Array(initialSize);
  }

  /** Bytes encoded and not yet taken. */
  get length(): number {
    return this.#len;
  }

  /** Encodes one command. A bad argument throws before anything is written. */
  append(args: readonly RedisArg[]): void {
    const size = prepare(args);
    const need = this.#len + size;
    if (need > this.#buf.length) {
      const next = new Uint8Array(Math.max(need, this.#buf.length * 2));
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    this.#len = write(this.#buf, this.#len, args.length);
  }

  /** Forgets everything appended after `length` was `mark` (undoes a half-encoded batch). */
  truncate(mark: number): void {
    this.#len = Math.min(this.#len, mark);
  }

  /** The encoded bytes so far; the buffer starts over empty. */
  take(): Uint8Array {
    const data = this.#buf.subarray(0, this.#len);
    const spare = this.#spare;
    this.#spare = this.#buf;
    // One huge command (a 10 MiB value) should not pin that much memory for good.
    this.#buf = spare.length > 1024 * 1024 ? new Uint8Array(this.initialSize) : spare;
    this.#len = 0;
    return data;
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

function numberText(n: number): string {
  if (Number.isFinite(n)) return String(n);
  if (n === Infinity) return "+inf"; // how Redis spells infinite scores
  if (n === -Infinity) return "-inf";
  throw new RedisError("invalid Redis command argument: NaN");
}

function digitCount(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

function writeUint(out: Uint8Array, at: number, n: number): number {
  if (n < 10) {
    out[at] = 48 + n;
    return at + 1;
  }
  const end = at + digitCount(n);
  for (let i = end - 1; i >= at; i--) {
    out[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}
