/**
 * The audit log: one JSON line per request that changes state or fails authentication, in
 * `.tt/logs/audit.jsonl` (0600, folder 0700). A line holds when, the request id, who, what
 * (method and path without query), the status, its result and how long it took — never a
 * header value, body, key or token.
 */
import { dirname, join } from "../../path.ts";

/** One audited request. */
export interface AuditEntry {
  /** ISO time the request ended. */
  time: string;
  request_id: string;
  /** Principal id (`local`, `api_key`, `oidc:{sub}`), or `anonymous` before auth. */
  principal: string;
  method: string;
  /** The path only; a query string can carry secrets. */
  path: string;
  status: number;
  /** `success` (2xx), `denied` (401/403/429) or `error`. */
  result: "success" | "denied" | "error";
  duration_ms: number;
  /** Which face wrote it: `rest` or `mcp`. */
  face?: string;
}

/** The result word of a status. */
export function auditResult(status: number): AuditEntry["result"] {
  if (status >= 200 && status < 300) return "success";
  if (status === 401 || status === 403 || status === 429) return "denied";
  return "error";
}

/** Whether a request must be audited: it may change state, or it was refused. */
export function mustAudit(method: string, status: number): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase()) || status === 401 ||
    status === 403;
}

/** Appends entries to one audit file, in order, each as a single write. */
export class AuditLog {
  readonly path: string;
  #file: Promise<Deno.FsFile> | undefined;
  #queue: Promise<void> = Promise.resolve();
  /** Told when a line could not be written (the request is not failed for it). */
  onError: (err: unknown) => void = () => {};

  /** `path` is the audit file; `auditLogPath(logsDir)` gives the town's. */
  constructor(path: string) {
    this.path = path;
  }

  /** Queues a line; resolves once it is written (or failed). */
  write(entry: AuditEntry): Promise<void> {
    const line = new TextEncoder().encode(JSON.stringify(entry) + "\n");
    this.#queue = this.#queue.then(async () => {
      try {
        const file = await (this.#file ??= this.#open());
        await file.write(line);
      } catch (err) {
        this.#file = undefined;
        this.onError(err);
      }
    });
    return this.#queue;
  }

  async #open(): Promise<Deno.FsFile> {
    const dir = dirname(this.path);
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    const file = await Deno.open(this.path, { append: true, create: true, mode: 0o600 });
    await Deno.chmod(this.path, 0o600); // an older file keeps no wider mode
    return file;
  }

  /** Waits for queued lines and closes the file. */
  async close(): Promise<void> {
    await this.#queue;
    const file = await this.#file?.catch(() => undefined);
    this.#file = undefined;
    file?.close();
  }
}

/** `{logsDir}/audit.jsonl`. */
export function auditLogPath(logsDir: string): string {
  return join(logsDir, "audit.jsonl");
}
