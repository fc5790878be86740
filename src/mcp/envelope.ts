/**
 * The result envelope every tool answers with (townhall.md §8.2): one text item holding
 * pretty-printed JSON, `{"success": true, "data": …}` or `{"success": false, "error": "…"}`.
 * Failures of the operation are not MCP tool errors; keys are sorted so output is stable.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describeError } from "../errors.ts";

/** A JSON value with every object's keys in alphabetical order. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Pretty (2-space) JSON with sorted keys. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

/** The success envelope. */
export function ok(data: unknown): CallToolResult {
  return { content: [{ type: "text", text: prettyJson({ success: true, data }) }] };
}

/** The failure envelope, with the error's one-line text. */
export function fail(err: unknown): CallToolResult {
  const error = typeof err === "string" ? err : describeError(err);
  return { content: [{ type: "text", text: prettyJson({ success: false, error }) }] };
}

/** Whether a result is the success envelope (for the audit log). */
export function succeeded(result: CallToolResult): boolean {
  const first = result.content[0];
  return !result.isError && first?.type === "text" && first.text.includes('"success": true');
}
