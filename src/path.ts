/**
 * POSIX path helpers. `node:path` costs ~20 ms of start-up in Deno (it loads the Node
 * compatibility layer), and every `tt` command needs paths, so these few are ours.
 */

/** Joins segments with `/` and normalises the result. */
export function join(...parts: string[]): string {
  return normalize(parts.filter((p) => p !== "").join("/"));
}

/** Absolute, normalised path of `path` against `base` (default: the current directory). */
export function resolve(base: string, path?: string): string {
  const target = path === undefined ? base : path;
  if (target.startsWith("/")) return normalize(target);
  const from = path === undefined ? Deno.cwd() : resolve(base);
  return normalize(`${from}/${target}`);
}

/** Removes `.`, `..` and repeated slashes (keeps a leading `/`). */
export function normalize(path: string): string {
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else out.push(seg);
  }
  const joined = out.join("/");
  return absolute ? `/${joined}` : joined || ".";
}

export function dirname(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const i = trimmed.lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : trimmed.slice(0, i);
}

export function basename(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** The path of a `file:` URL. */
export function fromFileUrl(url: string | URL): string {
  return decodeURIComponent(new URL(url).pathname);
}
