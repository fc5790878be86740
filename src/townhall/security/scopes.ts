/**
 * Scopes of the townhall faces (townhall.md §5.4) and the principal a request acts as. A
 * principal holding `admin` holds every scope; the others do not nest.
 */

/** Every scope a principal can hold. */
export const SCOPES = ["town.read", "town.write", "agent.manage", "admin"] as const;

/** One scope. */
export type Scope = typeof SCOPES[number];

/** Who a request acts as. */
export interface Principal {
  /** `local` (auth mode none), `api_key`, or `oidc:{sub}`. Safe to log. */
  id: string;
  /** How it was authenticated. */
  kind: "local" | "api_key" | "oidc";
  /** The scopes it holds. */
  scopes: ReadonlySet<Scope>;
}

/** True for the four scope strings. */
export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

/** Whether the principal may act with `scope` (directly or through `admin`). */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope) || principal.scopes.has("admin");
}

/** The configured scope list as a set; an empty list means every scope (the reference's rule). */
export function scopeSet(list: readonly string[]): ReadonlySet<Scope> {
  return new Set(list.length === 0 ? SCOPES : list.filter(isScope));
}

/** The principal of auth mode `none`: every scope. */
export const LOCAL_PRINCIPAL: Principal = {
  id: "local",
  kind: "local",
  scopes: new Set(SCOPES),
};
