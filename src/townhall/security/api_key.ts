/**
 * API keys: generating a key and its Argon2id PHC hash (`tt auth gen-key`, extended §4.6), and
 * verifying a presented key against the configured hash. Verifications are cached for a short
 * time, keyed by a SHA-256 of the key, so a client does not pay a full Argon2 run (≈19 MiB,
 * tens of ms) per request; concurrent requests with the same key share one run.
 */
import { argon2id, argon2Verify } from "hash-wasm";

/** Argon2id parameters of the reference's library defaults (OWASP's second choice). */
const ARGON2 = { iterations: 2, memorySize: 19456, parallelism: 1, hashLength: 32 };

/** A new key (64 lowercase hex characters) and its PHC hash for `api_key_hash`. */
export async function generateApiKey(): Promise<{ key: string; hash: string }> {
  const key = crypto.randomUUID().replaceAll("-", "") + crypto.randomUUID().replaceAll("-", "");
  return { key, hash: await hashApiKey(key) };
}

/** The Argon2id PHC string of `key` with a fresh 16-byte salt. */
export async function hashApiKey(key: string): Promise<string> {
  return await argon2id({
    password: key,
    salt: crypto.getRandomValues(new Uint8Array(16)),
    ...ARGON2,
    outputType: "encoded",
  });
}

/** Whether `hash` looks like an Argon2 PHC string (checked at start-up). */
export function isArgon2Phc(hash: string): boolean {
  return /^\$argon2(id|i|d)\$(v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.test(
    hash,
  );
}

/** Options of ApiKeyVerifier. */
export interface ApiKeyVerifierOptions {
  /** How long an outcome is remembered. Default 60 s. */
  ttlMs?: number;
  /** Entries kept at most (oldest dropped first). Default 1024. */
  maxEntries?: number;
}

/** Verifies keys against one PHC hash, remembering recent outcomes. */
export class ApiKeyVerifier {
  readonly #hash: string;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #cache = new Map<string, { at: number; ok: Promise<boolean> }>();

  /** `hash` is the configured `api_key_hash`. */
  constructor(hash: string, options: ApiKeyVerifierOptions = {}) {
    this.#hash = hash;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#max = options.maxEntries ?? 1024;
  }

  /** True when `key` matches the hash; a malformed hash matches nothing. */
  async verify(key: string): Promise<boolean> {
    const id = await fastHash(key);
    const now = Date.now();
    const hit = this.#cache.get(id);
    if (hit && now - hit.at < this.#ttlMs) return await hit.ok;
    const ok = argon2Verify({ password: key, hash: this.#hash }).catch(() => false);
    this.#cache.delete(id);
    this.#cache.set(id, { at: now, ok });
    while (this.#cache.size > this.#max) {
      this.#cache.delete(this.#cache.keys().next().value!);
    }
    return await ok;
  }
}

async function fastHash(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
