/**
 * Mission objectives (spec extended §6.5): issue numbers (repository from the town's `origin`
 * remote), `owner/repo#N`, issue URLs, and document paths.
 */
import type { ObjectiveRef } from "../model/mission.ts";

/** owner/repo from a GitHub remote URL (`git@github.com:o/r.git`, `https://github.com/o/r`). */
export function repoFromRemote(url: string): { owner: string; repo: string } | undefined {
  const u = url.trim();
  let path: string | undefined;
  if (u.startsWith("git@github.com:")) path = u.slice("git@github.com:".length);
  else {
    const i = u.indexOf("github.com/");
    if (i >= 0) path = u.slice(i + "github.com/".length);
  }
  if (!path) return undefined;
  const slash = path.indexOf("/");
  if (slash <= 0) return undefined;
  const owner = path.slice(0, slash);
  const repo = path.slice(slash + 1).replace(/\.git$/, "").replace(/\/$/, "");
  return repo && !repo.includes("/") ? { owner, repo } : undefined;
}

/** The town root's `origin` remote, as owner/repo, or undefined (no git, no remote, not GitHub). */
export async function originRepo(
  root: string,
): Promise<{ owner: string; repo: string } | undefined> {
  try {
    const out = await new Deno.Command("git", {
      args: ["remote", "get-url", "origin"],
      cwd: root,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    if (out.code !== 0) return undefined;
    return repoFromRemote(new TextDecoder().decode(out.stdout));
  } catch {
    return undefined;
  }
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * One issue reference (first rule that applies): a number (needs `origin`), `owner/repo#N`,
 * or `https://github.com/owner/repo/issues/N`. Undefined when unparsable; `origin` is asked
 * only for a bare number.
 */
export async function parseIssueRef(
  input: string,
  origin: () => Promise<{ owner: string; repo: string } | undefined>,
): Promise<ObjectiveRef | undefined> {
  const text = input.trim();
  if (/^\d+$/.test(text)) {
    const r = await origin();
    return r ? { type: "issue", ...r, number: Number(text) } : undefined;
  }
  const issue = (owner: string, repo: string, n: string): ObjectiveRef | undefined =>
    NAME.test(owner) && NAME.test(repo) && /^\d+$/.test(n) && Number(n) > 0
      ? { type: "issue", owner, repo, number: Number(n) }
      : undefined;
  if (text.includes("#")) {
    const [before, ...rest] = text.split("#");
    const slash = before.indexOf("/");
    if (slash < 0) return undefined;
    return issue(before.slice(0, slash), before.slice(slash + 1), rest.join("#"));
  }
  if (text.includes("github.com") && text.includes("/issues/")) {
    const parts = text.split("/");
    if (parts.length < 4) return undefined;
    return issue(parts[parts.length - 4], parts[parts.length - 3], parts[parts.length - 1]);
  }
  return undefined;
}
