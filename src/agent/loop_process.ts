/**
 * The processes around loop hosts (host.ts): `tt agent-loop` runs one agent's loop in its own
 * process (another machine, a container, `--foreground`); `tt agent-host` runs the loops of a
 * town's agents on this machine, started by the first `tt spawn`, ending with its last loop.
 * Both own what is process-wide: SIGTERM/SIGINT stop every loop (each ends its CLI and puts its
 * messages back), the V8 flags, and the end of the process.
 */
import { agentPaths } from "../town/paths.ts";
import { openStore } from "../store/store.ts";
import { openTown, type Town } from "../town/town.ts";
import { LoopHost, type LoopHostOptions } from "./host.ts";
import { removeHostPid, writeHostAgents, writeHostPid } from "./host_files.ts";
import type { LoopEnd, LoopOptions } from "./loop.ts";
import { dropLoopV8Flags } from "./v8_flags.ts";

const stdoutLog = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

/** `tt agent-loop`: one loop, its log on stdout (the launcher points it at loop.log). */
export async function runAgentLoop(opts: LoopOptions): Promise<LoopEnd> {
  const log = opts.log ?? stdoutLog;
  let done: Promise<LoopEnd> | undefined;
  await withHost(opts.root, log, () => ({
    host: { acceptStarts: false, loopLog: () => log },
    begin: (host) => {
      done = host.start({ id: opts.id, name: opts.name, maxRounds: opts.maxRounds });
      return Promise.resolve();
    },
  }));
  return await (done ?? "stopped");
}

/** `tt agent-host <key> <name> <id> <rounds>`: the town's loops here, the first one given. */
export async function runAgentHost(root: string, key: string, first: LoopOptions): Promise<void> {
  await withHost(root, stdoutLog, (town) => ({
    host: {
      acceptStarts: true,
      loopLog: (req) => fileLog(town, req.name),
      loopsChanged: (names) => writeHostAgents(town.paths, key, names),
      beforeExit: async () => {
        await removeHostPid(town.paths, key, Deno.pid);
        return () => writeHostPid(town.paths, key, Deno.pid);
      },
    },
    begin: async (host) => {
      await writeHostPid(town.paths, key, Deno.pid);
      void host.start({ id: first.id, name: first.name, maxRounds: first.maxRounds });
    },
    // From the stop on, `tt spawn` starts a new host instead of handing loops to this one.
    onSignal: () => removeHostPid(town.paths, key, Deno.pid),
  }));
}

/** Appends a loop's lines to its agent's loop.log, as its own process's stdout did. */
function fileLog(town: Town, name: string): (line: string) => void {
  const file = agentPaths(town.paths, name).loopLog;
  return (line) => {
    try {
      Deno.writeTextFileSync(file, `${new Date().toISOString()} ${line}\n`, {
        append: true,
        create: true,
        mode: 0o600,
      });
    } catch {
      // the folder went away (pruned): nothing to keep the line in
    }
  };
}

interface HostSetup {
  host: Pick<LoopHostOptions, "acceptStarts" | "loopLog" | "beforeExit" | "loopsChanged">;
  begin: (host: LoopHost) => Promise<void>;
  onSignal?: () => Promise<void>;
}

async function withHost(
  root: string,
  log: (line: string) => void,
  setup: (town: Town) => HostSetup,
): Promise<void> {
  dropLoopV8Flags();
  const town = await openTown(root, {
    reconnect: {
      maxDelayMs: 2000,
      onRetry: (n, e) => n % 10 === 1 && log(`Redis unavailable, retrying: ${e.message}`),
    },
  });
  for (const warning of town.warnings) log(`warning: ${warning}`);
  const store = openStore(town.redis, town.name);
  const s = setup(town);
  const host = new LoopHost({ town, store, log, ...s.host });
  let giveUp: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    host.stopAll("signal");
    void s.onSignal?.();
    // Commands wait for Redis to come back; a stop request must not. Without Redis the loops
    // cannot record their end anyway, so they leave their work in flight for the next loop.
    if (!town.redis.connected) host.closeClients();
    else giveUp ??= setTimeout(() => host.closeClients(), 5000);
  };
  for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(sig, stop);
  try {
    await s.begin(host);
    await host.run();
  } finally {
    clearTimeout(giveUp);
    for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.removeSignalListener(sig, stop);
    await town.close();
  }
}
