/**
 * Agent name rules. tinytown accepts almost any name; tt is stricter because the name ends up
 * in file paths (`.tt/agents/{name}/`) and in commands, so a name must be a plain token.
 */
import { ConfigError } from "../errors.ts";
import { isSupervisorAlias } from "./ids.ts";

export const MAX_AGENT_NAME_LENGTH = 64;

const ALLOWED = /^[A-Za-z0-9._-]$/;

function describeChar(ch: string): string {
  if (ch === " ") return "a space";
  if (/\s/.test(ch)) return "whitespace";
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `a control character (U+${hex(code)})`;
  return `'${ch}'`;
}

function hex(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, "0");
}

/**
 * Returns the name when it can be spawned; otherwise throws ConfigError saying why. Allowed:
 * 1 to 64 characters from `A-Z a-z 0-9 . _ -`, not starting with `.` or `-`, and not
 * `supervisor` or `conductor` in any case (those address the conductor's mailbox).
 */
export function validateAgentName(name: string): string {
  if (name.trim() === "") throw new ConfigError("agent name must not be empty");
  if (isSupervisorAlias(name)) {
    throw new ConfigError(
      `agent name '${name.trim()}' is reserved for the conductor; choose another name`,
    );
  }
  const chars = Array.from(name);
  if (chars.length > MAX_AGENT_NAME_LENGTH) {
    throw new ConfigError(
      `agent name is too long (${chars.length} characters; at most ${MAX_AGENT_NAME_LENGTH})`,
    );
  }
  const bad = chars.find((ch) => !ALLOWED.test(ch));
  if (bad !== undefined) {
    const what = bad === "/" || bad === "\\" ? `a path separator ('${bad}')` : describeChar(bad);
    throw new ConfigError(
      `agent name ${JSON.stringify(name)} contains ${what}, which is not allowed ` +
        "(use letters, digits, '.', '_' and '-')",
    );
  }
  if (name.startsWith(".") || name.startsWith("-")) {
    throw new ConfigError(`agent name '${name}' must not start with '${name[0]}'`);
  }
  return name;
}

/**
 * Why a name read back from stored data (a restored file, a record another tool wrote) is not
 * a valid agent name, or undefined when it is. Such names end up in file paths.
 */
export function agentNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return "agent name is missing or not text";
  try {
    validateAgentName(name);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Case folding for comparing names and nicknames: ASCII letters only, exactly as Redis' Lua
 * `string.lower`, so the create script's check and reference resolution always agree.
 */
export function foldCase(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
