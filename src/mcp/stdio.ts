/**
 * `tt mcp` / `tt townhall mcp-stdio`: one JSON-RPC message per line on stdin and stdout.
 * Nothing else is ever written to stdout (the reference mixes its log lines in); the server
 * ends when stdin closes.
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { Buffer } from "node:buffer";
import { openHost } from "./host.ts";

/** After stdin ends, how long answers to requests already read may still be sent. */
const EOF_GRACE_MS = 10_000;

/** A Transport over Deno's stdin/stdout; `closed` resolves at EOF or on close(). */
export class DenoStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #buffer = new ReadBuffer();
  readonly #encoder = new TextEncoder();
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  /** Ids of requests received and not answered yet. */
  readonly #open = new Set<string | number>();
  #drained: (() => void) | undefined;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor() {
    this.closed = new Promise((r) => this.#resolveClosed = r);
  }

  start(): Promise<void> {
    this.#reader = Deno.stdin.readable.getReader();
    (async () => {
      try {
        for (;;) {
          const { value, done } = await this.#reader!.read();
          if (done) break;
          this.#buffer.append(Buffer.from(value));
          for (;;) {
            let message: JSONRPCMessage | null;
            try {
              message = this.#buffer.readMessage();
            } catch (err) {
              // Not a JSON-RPC message: say so on the wire (JSON-RPC's parse error), go on.
              this.onerror?.(err as Error);
              await this.send({
                jsonrpc: "2.0",
                id: null,
                error: { code: -32700, message: "Parse error" },
              } as unknown as JSONRPCMessage);
              continue;
            }
            if (message === null) break;
            if ("method" in message && "id" in message) this.#open.add(message.id);
            this.onmessage?.(message);
          }
        }
      } catch (err) {
        if (!this.#closed) this.onerror?.(err as Error);
      }
      await this.#drain(EOF_GRACE_MS);
      await this.close();
    })();
    return Promise.resolve();
  }

  /** Waits (at most `ms`) for the answers to requests already read. */
  async #drain(ms: number): Promise<void> {
    if (this.#open.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((r) => this.#drained = r),
      new Promise<void>((r) => timer = setTimeout(r, ms)),
    ]);
    clearTimeout(timer);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (!("method" in message) && "id" in message && message.id !== null) {
      this.#open.delete(message.id);
      if (this.#open.size === 0) this.#drained?.();
    }
    const bytes = this.#encoder.encode(serializeMessage(message));
    this.#writing = this.#writing.then(async () => {
      let off = 0;
      while (off < bytes.length) off += await Deno.stdout.write(bytes.subarray(off));
    });
    return this.#writing;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writing.catch(() => {});
    try {
      await this.#reader?.cancel();
    } catch {
      // stdin already gone
    }
    this.onclose?.();
    this.#resolveClosed();
  }
}

/** Serves MCP on stdin/stdout for the town at `townPath` until stdin closes. */
export async function serveStdio(townPath: string, log: (line: string) => void): Promise<void> {
  const host = await openHost(townPath, log);
  log(`tt MCP server on stdio for town ${host.town.name}`);
  const session = host.session("stdio");
  const transport = new DenoStdioTransport();
  try {
    await session.server.connect(transport);
    await transport.closed;
  } finally {
    await session.dispose();
    await session.server.close().catch(() => {});
    await host.close();
  }
}
