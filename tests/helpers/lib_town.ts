/**
 * Towns for the library tests: a temp folder and a private TT_HOME per town (passed as the
 * town's `env`, so the process environment is never touched), and clean-up that stops
 * whatever the test left running.
 *
 *   await using t = await libTown();            // folder + TT_HOME, no town yet
 *   const town = await t.init();                // Town.init in it (closed by t's clean-up)
 *   const cmd = probeCli("--complete");         // a scripted agent CLI, as a raw command
 */
import { Town, type TownInitOptions, type TownOpenOptions } from "../../mod.ts";
import type { RedisClient } from "../../src/redis/mod.ts";
import { stopTown } from "../../src/service/town_stop.ts";
import { stopTownProcesses } from "./tt.ts";

const PROBE = new URL("../fixtures/agent_probe.ts", import.meta.url).pathname;

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command line of the probe agent CLI (tests/fixtures/agent_probe.ts) with `flags`. */
export function probeCli(...flags: string[]): string {
  return [Deno.execPath(), "run", "--allow-all", "--quiet", PROBE, ...flags].map(shellQuote)
    .join(" ");
}

export interface LibTown extends AsyncDisposable {
  /** The town folder (not created as a town until `init`). */
  dir: string;
  home: string;
  /** `{ TT_HOME }`: pass as the town's env. */
  env: Record<string, string>;
  /** Town.init(dir, name) with this env; the handle is stopped at clean-up. */
  init(name?: string, options?: TownInitOptions): Promise<Town>;
  /** Town.connect(dir) with this env; the handle is closed at clean-up. */
  connect(options?: TownOpenOptions): Promise<Town>;
  /** Stops the town (agents, Redis) whatever the test left, and removes the folders. */
  cleanup(): Promise<void>;
}

let counter = 0;

export async function libTown(): Promise<LibTown> {
  const dir = await Deno.makeTempDir({ prefix: "tt-lib-" });
  const home = await Deno.makeTempDir({ prefix: "tt-lib-home-" });
  const env = { TT_HOME: home };
  const opened: Town[] = [];
  const t: LibTown = {
    dir,
    home,
    env,
    async init(name = `lib-${Deno.pid}-${++counter}`, options = {}) {
      const town = await Town.init(dir, name, { ...options, env: { ...env, ...options.env } });
      opened.push(town);
      return town;
    },
    async connect(options = {}) {
      const town = await Town.connect(dir, { ...options, env: { ...env, ...options.env } });
      opened.push(town);
      return town;
    },
    async cleanup() {
      for (const town of opened) await town.close().catch(() => {});
      // `tt stop` ends agent loops and the town's Redis, if any is left (starting nothing).
      try {
        await stopTown(dir, { get: (k) => (k === "TT_HOME" ? home : Deno.env.get(k)) });
      } catch {
        // no town here
      }
      await stopTownProcesses(dir);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.remove(home, { recursive: true }).catch(() => {});
    },
    [Symbol.asyncDispose]() {
      return this.cleanup();
    },
  };
  return t;
}

/** How many clients are blocked in a command (BLMOVE, XREAD BLOCK) on the server. */
/** Runs `fn` with a new town in a fresh folder, cleaned up afterwards whatever happened. */
export async function withLibTown(fn: (town: Town) => Promise<void>): Promise<void> {
  await using t = await libTown();
  await fn(await t.init());
}

export async function blockedClients(redis: RedisClient): Promise<number> {
  return Number((await redis.info("clients"))["blocked_clients"] ?? 0);
}

/** Polls `probe` until it returns something other than undefined/false, or fails. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5;; delay = Math.min(delay * 2, 100)) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
