/**
 * Start-up checks of `[townhall]` for a server about to listen (townhall.md §1.3, §1.6): the
 * loopback rule, auth settings that could only ever refuse, and TLS/mTLS files. Parsing of the
 * tables lives with the rest of tinytown.toml (src/town/config_sections.ts).
 */
import { resolve } from "../../path.ts";
import type { TownhallSettings } from "../../town/config.ts";
import { isArgon2Phc } from "./api_key.ts";

/** What a server may start with. */
export interface ServeCheck {
  /** One line: the reason the server must not start. */
  fatal?: string;
  /** Lines worth a warning (e.g. API keys on a public address). */
  warnings: string[];
  /** Certificate and key files (absolute) when TLS is enabled and valid. */
  tls?: { certFile: string; keyFile: string };
}

/** True for 127.0.0.0/8, ::1 (bracketed or not) and `localhost`. */
export function isLoopbackBind(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The host for Deno.serve's `hostname` (brackets of an IPv6 literal removed). */
export function serveHostname(bind: string): string {
  return bind.replace(/^\[(.*)\]$/, "$1");
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * Checks the settings for serving on `bind`; relative TLS paths are taken from `root` (the
 * town folder). `face` names the server in messages (`REST`, `MCP HTTP`).
 */
export async function checkServeConfig(
  th: TownhallSettings,
  bind: string,
  root: string,
  face = "REST",
): Promise<ServeCheck> {
  const warnings: string[] = [];
  const { auth } = th;
  const loopback = isLoopbackBind(bind);
  if (!loopback && auth.mode === "none") {
    return {
      warnings,
      fatal: `refusing to serve ${face} on non-loopback address ${bind} without authentication: ` +
        `set [townhall.auth] mode = "api_key" (see 'tt auth gen-key') or "oidc", or bind 127.0.0.1`,
    };
  }
  if (auth.mode === "api_key") {
    if (auth.apiKeyHash === undefined || auth.apiKeyHash.trim() === "") {
      return {
        warnings,
        fatal:
          `[townhall.auth] mode = "api_key" needs api_key_hash (make one with 'tt auth gen-key')`,
      };
    }
    if (!isArgon2Phc(auth.apiKeyHash)) {
      return {
        warnings,
        fatal: "[townhall.auth] api_key_hash is not an Argon2 PHC string ($argon2id$v=19$...)",
      };
    }
    if (!loopback) warnings.push(`API-key auth on ${bind}: consider OIDC for production`);
  }
  if (auth.mode === "oidc") {
    const missing = (["issuer", "audience", "jwksUrl"] as const).filter((k) => !auth[k]?.trim());
    if (missing.length > 0) {
      const names = missing.map((k) => (k === "jwksUrl" ? "jwks_url" : k)).join(", ");
      return { warnings, fatal: `[townhall.auth] mode = "oidc" needs ${names}` };
    }
    try {
      const u = new URL(auth.jwksUrl!);
      if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopbackBind(u.hostname))) {
        return {
          warnings,
          fatal: "[townhall.auth] jwks_url must be https (http only on loopback)",
        };
      }
    } catch {
      return { warnings, fatal: "[townhall.auth] jwks_url is not a URL" };
    }
  }
  let tls: ServeCheck["tls"];
  if (th.tls.enabled) {
    if (!th.tls.certFile) return { warnings, fatal: "TLS enabled but cert_file is not configured" };
    if (!th.tls.keyFile) return { warnings, fatal: "TLS enabled but key_file is not configured" };
    const certFile = resolve(root, th.tls.certFile);
    const keyFile = resolve(root, th.tls.keyFile);
    if (!(await isFile(certFile))) return { warnings, fatal: "TLS cert_file does not exist" };
    if (!(await isFile(keyFile))) return { warnings, fatal: "TLS key_file does not exist" };
    tls = { certFile, keyFile };
  }
  if (th.mtls.enabled || th.mtls.required) {
    return {
      warnings,
      fatal: "mTLS is not supported: Deno.serve cannot request client certificates; " +
        "terminate mTLS at a proxy and set [townhall.mtls] enabled = false",
    };
  }
  return { warnings, ...(tls ? { tls } : {}) };
}
