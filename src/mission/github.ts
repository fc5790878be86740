/**
 * What mission mode reads from GitHub, through `gh` (spec extended §6.5, §6.10): issue title
 * and body, a PR's check rollup / mergeability / reviews, its issue comments, and the tail of
 * a failed Actions run's log.
 */
import { GhError, type GhRunner } from "./gh.ts";

export interface IssueText {
  title: string;
  body: string;
}

/** One entry of `statusCheckRollup`, as far as missions use it. */
export interface CheckEntry {
  name: string;
  /** Lowercased `conclusion` / `state` / `status`, whichever comes first. */
  raw: string;
  /** The check's details URL (Actions job links name the run). */
  detailsUrl?: string;
}

export interface Review {
  state: string;
  body: string;
  author: string;
}

export interface PrView {
  checks: CheckEntry[];
  mergeable: string;
  reviewDecision: string;
  reviews: Review[];
}

export interface Comment {
  author: string;
  body: string;
}

export interface PrRef {
  owner: string;
  repo: string;
  number: number;
}

/** `owner/repo#N` or a github.com URL (number last); undefined when unparsable. */
export function parsePrRef(ref: string): PrRef | undefined {
  if (ref.includes("github.com")) {
    const parts = ref.split("/");
    if (parts.length < 5) return undefined;
    const n = parts[parts.length - 1];
    const owner = parts[parts.length - 4];
    const repo = parts[parts.length - 3];
    if (!/^\d+$/.test(n) || !owner || !repo) return undefined;
    return { owner, repo, number: Number(n) };
  }
  const m = /^([^/#\s]+)\/([^/#\s]+)#(\d+)$/.exec(ref.trim());
  return m ? { owner: m[1], repo: m[2], number: Number(m[3]) } : undefined;
}

/** Owner and repo names that are safe to pass to gh (no options, no path tricks). */
const NAME = /^[A-Za-z0-9_.-]+$/;
function repoArg(r: { owner: string; repo: string }): string {
  if (!NAME.test(r.owner) || !NAME.test(r.repo) || r.owner.startsWith("-")) {
    throw new GhError(`not a GitHub repository name: ${r.owner}/${r.repo}`);
  }
  return `${r.owner}/${r.repo}`;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GhError(`gh returned unreadable JSON for ${what}`);
  }
}

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {};
const s = (v: unknown): string => (typeof v === "string" ? v : "");

function checkEntry(v: unknown): CheckEntry {
  const o = obj(v);
  const name = s(o.name) || s(o.context) || s(o.check);
  const first = [o.conclusion, o.state, o.status].find((x) => typeof x === "string");
  const url = s(o.detailsUrl) || s(o.targetUrl) || s(o.link);
  return { name, raw: s(first).toLowerCase(), ...(url ? { detailsUrl: url } : {}) };
}

export class GitHub {
  constructor(readonly gh: GhRunner, readonly cwd?: string) {}

  async issue(owner: string, repo: string, n: number): Promise<IssueText> {
    const out = await this.gh.run(
      ["issue", "view", String(n), "--repo", repoArg({ owner, repo }), "--json", "title,body"],
      { cwd: this.cwd },
    );
    const o = obj(parseJson(out, `issue ${owner}/${repo}#${n}`));
    return { title: s(o.title), body: s(o.body) };
  }

  async pr(ref: PrRef): Promise<PrView> {
    const out = await this.gh.run([
      "pr",
      "view",
      String(ref.number),
      "--repo",
      repoArg(ref),
      "--json",
      "statusCheckRollup,mergeable,reviewDecision,reviews",
    ], { cwd: this.cwd });
    const o = obj(parseJson(out, `PR ${ref.owner}/${ref.repo}#${ref.number}`));
    const rollup = Array.isArray(o.statusCheckRollup) ? o.statusCheckRollup : [];
    const reviews = Array.isArray(o.reviews) ? o.reviews : [];
    return {
      checks: rollup.map(checkEntry),
      mergeable: s(o.mergeable),
      reviewDecision: s(o.reviewDecision),
      reviews: reviews.map((r) => {
        const x = obj(r);
        return { state: s(x.state), body: s(x.body), author: s(obj(x.author).login) };
      }),
    };
  }

  async comments(ref: PrRef): Promise<Comment[]> {
    const out = await this.gh.run(
      ["api", `repos/${repoArg(ref)}/issues/${ref.number}/comments`],
      { cwd: this.cwd },
    );
    const list = parseJson(out, `comments of ${ref.owner}/${ref.repo}#${ref.number}`);
    return (Array.isArray(list) ? list : []).map((c) => {
      const o = obj(c);
      return { author: s(obj(o.user).login), body: s(o.body) };
    });
  }

  /**
   * The last `lines` lines of the failed steps' log of an Actions run (`gh run view
   * --log-failed`); undefined when the check does not link to a run.
   */
  async failedLogTail(ref: PrRef, check: CheckEntry, lines = 40): Promise<string | undefined> {
    const run = /\/actions\/runs\/(\d+)/.exec(check.detailsUrl ?? "")?.[1];
    if (!run) return undefined;
    const out = await this.gh.run(
      ["run", "view", run, "--repo", repoArg(ref), "--log-failed"],
      { cwd: this.cwd },
    );
    const all = out.replace(/\s+$/, "").split(/\r?\n/);
    return all.slice(-lines).join("\n");
  }
}
