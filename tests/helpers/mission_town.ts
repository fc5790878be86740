/**
 * A test town for mission mode: real redis-server and `tt`, the `gh` stand-in first on PATH
 * (its state and call log in a temp dir), and a direct store connection for assertions.
 */
import { RedisClient } from "../../src/redis/mod.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { makeTestTown, runTt, type TestTown, ttCommand } from "./tt.ts";

export { waitFor } from "./redis.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;

export interface MissionTown extends TestTown {
  name: string;
  /** The stand-in's folder: state.json, calls.jsonl, pr-N.stage, block. */
  ghDir: string;
  redis: RedisClient;
  store: Store;
  /** Writes the stand-in's state. */
  ghState(state: Record<string, unknown>): Promise<void>;
  /** Every argv the stand-in was called with, in order. */
  ghCalls(): Promise<string[][]>;
  /** Runs tt with PATH replaced (e.g. without any gh). */
  ttWithPath(path: string, ...args: string[]): ReturnType<TestTown["tt"]>;
  /** Starts `tt mission dispatch` (long-lived) with these extra args. */
  dispatcher(...args: string[]): Deno.ChildProcess;
  /** `sh mission_agent.sh …` for `tt spawn --cli`. */
  agentCli(...args: string[]): string;
  reconnect(): Promise<void>;
  done(): Promise<void>;
}

export async function missionTown(
  opts: { name?: string; config?: string } = {},
): Promise<MissionTown> {
  const name = opts.name ?? "mission-town";
  const ghDir = await Deno.makeTempDir({ prefix: "tt-gh-" });
  const env = {
    PATH: `${FIXTURES}:${Deno.env.get("PATH") ?? ""}`,
    GH_STANDIN_DIR: ghDir,
    GH_STANDIN_DENO: Deno.execPath(),
  };
  const town = await makeTestTown({ name, env });
  if (opts.config) {
    await Deno.writeTextFile(`${town.dir}/tinytown.toml`, `\n${opts.config}\n`, { append: true });
  }
  const url = `unix://${town.dir}/.tt/redis.sock`;
  const children: Deno.ChildProcess[] = [];
  const t: MissionTown = {
    ...town,
    name,
    ghDir,
    redis: await RedisClient.connect(url),
    store: undefined as unknown as Store,
    ghState: (state) => Deno.writeTextFile(`${ghDir}/state.json`, JSON.stringify(state)),
    async ghCalls() {
      const text = await Deno.readTextFile(`${ghDir}/calls.jsonl`).catch(() => "");
      return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    },
    ttWithPath: (path, ...args) =>
      runTt(["--town", town.dir, ...args], { env: { ...town.env, PATH: path } }),
    dispatcher(...args) {
      const [cmd, ...pre] = ttCommand();
      const child = new Deno.Command(cmd, {
        args: [...pre, "--town", town.dir, "mission", "dispatch", ...args],
        env: { NO_COLOR: "1", ...town.env },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      children.push(child);
      return child;
    },
    agentCli: (...args) => ["sh", `${FIXTURES}mission_agent.sh`, ...args].join(" "),
    async reconnect() {
      await t.redis.close().catch(() => {});
      t.redis = await RedisClient.connect(url);
      t.store = openStore(t.redis, name);
    },
    async done() {
      for (const c of children) {
        try {
          c.kill("SIGKILL");
        } catch {
          // already gone
        }
        await c.output().catch(() => {});
      }
      await Deno.remove(`${ghDir}/block`).catch(() => {});
      await t.redis.close().catch(() => {});
      await town.tt("stop").catch(() => {});
      await town.cleanup();
      await Deno.remove(ghDir, { recursive: true }).catch(() => {});
    },
  };
  t.store = openStore(t.redis, name);
  return t;
}
