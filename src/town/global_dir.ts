/**
 * Where tt's global files live, and the passwords it generates: what opening a town needs of
 * the global config, without the config file's reading and writing (global_config.ts).
 */
import { join } from "../path.ts";
import { ConfigError } from "../errors.ts";
import { type Env, processEnv } from "./env.ts";

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/**
 * `$TT_HOME`, else `$XDG_CONFIG_HOME/tt`, else `~/.tt`. (The reference only knows `~/.tt`;
 * the overrides let tests and packagers keep tt out of the real home directory.)
 */
export function globalConfigDir(env: Env = processEnv): string {
  const ttHome = nonEmpty(env.get("TT_HOME"));
  if (ttHome) return ttHome;
  const xdg = nonEmpty(env.get("XDG_CONFIG_HOME"));
  if (xdg) return join(xdg, "tt");
  const home = nonEmpty(env.get("HOME")) ??
    (Deno.build.os === "windows" ? nonEmpty(env.get("USERPROFILE")) : undefined);
  if (!home) {
    throw new ConfigError("could not find the home directory: set HOME or TT_HOME");
  }
  return join(home, ".tt");
}

/** `tt_` followed by 32 lowercase hex digits. */
export function generateRedisPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "tt_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
