/**
 * `tt mcp` / `tt townhall mcp-stdio`: one JSON-RPC message per line on stdin and stdout.
 * Nothing else is ever written to stdout (the reference mixes its log lines in); the server
 * ends when stdin closes.
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { openHost } from "./host.ts";

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
          this.#buffer.append(value as never);
          for (;;) {
            let message: JSONRPCMessage | null;
            try {
              message = this.#buffer.readMessage();
            } catch (err) {
              this.onerror?.(err as Error);
              continue;
            }
            if (message === null) break;
            this.onmessage?.(message);
          }
        }
      } catch (err) {
        if (!this.#closed) this.onerror?.(err as Error);
      }
      await this.close();
    })();
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
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
