/** A Lua script, identified by the SHA-1 of its source as EVALSHA wants. */
export class Script {
  #sha: Promise<string> | undefined;

  constructor(readonly source: string) {}

  /** The script's SHA-1 in hex (computed once). */
  sha(): Promise<string> {
    this.#sha ??= crypto.subtle.digest("SHA-1", new TextEncoder().encode(this.source)).then(
      (digest) =>
        Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(""),
    );
    return this.#sha;
  }
}
