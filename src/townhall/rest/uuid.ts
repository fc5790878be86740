/** The UUID check of the REST routes' id parameters and bodies. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a hyphenated UUID. */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}
