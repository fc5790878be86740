/**
 * The items of a loop host's request queue (store/hosts.ts): a loop to start (`tt spawn`,
 * `tt restart`), or a nudge to look at its loops' flags now (`tt kill`, `interrupt`, ...).
 */

/** What a start request names: the loop `tt spawn`/`tt restart` asks the host to run. */
export interface StartRequest {
  id: string;
  name: string;
  maxRounds: number;
}

export function startItem(r: StartRequest): string {
  return JSON.stringify({ start: { id: r.id, name: r.name, max_rounds: r.maxRounds } });
}

export const WAKE_ITEM = '{"wake":true}';

/** The request an item carries; undefined for anything else. */
export function parseItem(raw: string): StartRequest | "wake" | undefined {
  try {
    const v = JSON.parse(raw);
    if (v?.wake === true) return "wake";
    const s = v?.start;
    if (
      typeof s?.id === "string" && typeof s.name === "string" && Number.isSafeInteger(s.max_rounds)
    ) {
      return { id: s.id, name: s.name, maxRounds: s.max_rounds };
    }
  } catch {
    // not JSON: not ours
  }
  return undefined;
}
