/**
 * Agent, task and message identifiers: random v4 UUIDs, always handled as lowercase hyphenated
 * strings inside tt (the form tinytown writes and compares).
 */

/** The conductor/supervisor mailbox. It never has an agent record. */
export const SUPERVISOR_ID = "00000000-0000-0000-0000-000000000001";

/** Names that resolve to the supervisor mailbox and can never be spawned. */
export const SUPERVISOR_ALIASES: readonly string[] = ["supervisor", "conductor"];

/** A fresh random (v4) id, lowercase and hyphenated. */
export function newId(): string {
  return crypto.randomUUID().toLowerCase();
}

const HEX32 = /^[0-9a-fA-F]{32}$/;
const HYPHENATED =
  /^([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})$/;

/**
 * Parses an id in any form the Rust `uuid` crate accepts, so that tt and tinytown agree on
 * what "is a UUID": simple (32 hex digits), hyphenated, braced `{…}` and `urn:uuid:…` (the
 * last two wrap the hyphenated form; the `urn:uuid:` prefix is lowercase only, as in the
 * crate). Hex digits may be any case. No trimming: callers trim references themselves.
 * Returns the lowercase hyphenated form, or undefined.
 */
export function parseId(s: string): string | undefined {
  if (typeof s !== "string") return undefined;
  let body: string;
  if (s.length === 32) {
    if (!HEX32.test(s)) return undefined;
    const h = s.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${
      h.slice(20)
    }`;
  } else if (s.length === 36) {
    body = s;
  } else if (s.length === 38 && s.startsWith("{") && s.endsWith("}")) {
    body = s.slice(1, -1);
  } else if (s.length === 45 && s.startsWith("urn:uuid:")) {
    body = s.slice(9);
  } else {
    return undefined;
  }
  return HYPHENATED.test(body) ? body.toLowerCase() : undefined;
}

/** True when `s` parses as an id (any accepted form). */
export function isId(s: string): boolean {
  return parseId(s) !== undefined;
}

/** The 4-character short form used in listings and accepted as a reference. */
export function shortId(id: string): string {
  return id.slice(0, 4);
}

/** True for `supervisor` / `conductor`, ignoring surrounding whitespace and case. */
export function isSupervisorAlias(ref: string): boolean {
  return SUPERVISOR_ALIASES.includes(ref.trim().toLowerCase());
}
