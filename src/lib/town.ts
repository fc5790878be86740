/**
 * Town: a library handle on one town — what `tt init`, `tt spawn`, `tt stop` and the other
 * commands do, callable from a script. Opening starts the town's Redis when needed; closing
 * (or leaving an `await using` block) closes this handle's connections and stops a Redis this
 * handle started, unless something else still uses it.
 */
import { isActiveState } from "../model/agent.ts";
import type { Agent } from "../model/agent.ts";
import { newId, SUPERVISOR_ID } from "../model/ids.ts";
import { leaseHeld, loopRunsHere } from "../agent/liveness.ts";
import * as agents from "../service/agents.ts";
import { stopServer } from "../redis/server.ts";
import { openStore } from "../store/store.ts";
import { type AgentCliEntry, effectiveAgentClis } from "../town/cli_presets.ts";
import { loadTownConfig, saveTownConfig } from "../town/config.ts";
import { initTown } from "../service/town_init.ts";
import { type StopResult, stopTown } from "../service/town_stop.ts";
import { openTown } from "../town/town.ts";
import { AgentHandle } from "./agent_handle.ts";
import { Channel } from "./channel.ts";
import { type TownSettings, townSettings } from "./config.ts";
import { type HandleContext, layeredEnv, setContext } from "./context.ts";

/**
 * What closing a handle does to the town's own redis-server (a central or external Redis is
 * never stopped): `auto` stops it when this handle started it and nothing else uses it;
 * `keep` leaves it running.
 */
export type RedisLifecycle = "auto" | "keep";

/** Options of `Town.init` and `Town.connect`. */
export interface TownOpenOptions {
  /** What closing this handle does to the town's redis-server. Default `auto`. */
  redis?: RedisLifecycle;
  /**
   * Environment variables that override the process's for this town (TT_HOME, REDIS_URL,
   * TT_USE_SOCKET, ...). Agent loops started through this handle get them too.
   */
  env?: Record<string, string>;
  /**
   * Reconnect when the connection to Redis breaks (long-running servers); commands wait for
   * it as the policy says. Default: fail fast, as the CLI does.
   */
  reconnect?: boolean | {
    /** Give up on a command after this long without Redis (default: wait forever). */
    maxWaitMs?: number;
    /** Longest delay between attempts (default 2000 ms). */
    maxDelayMs?: number;
  };
}

/** Options of `Town.init`. */
export interface TownInitOptions extends TownOpenOptions {
  /**
   * Agent CLIs to add to the new tinytown.toml as `[agent_clis.<name>]` tables: name ->
   * command line (POSIX shell quoting; the prompt arrives on stdin). Spawn them by name.
   */
  agentClis?: Record<string, string>;
}

/** Options of `Town.spawnAgent`. */
export interface SpawnAgentOptions {
  /** A configured CLI name (claude, codex, a `[agent_clis]` table) or a command. */
  cli?: string;
  /** Rounds before the loop ends on its own (default 10, 0 = no limit). */
  maxRounds?: number;
  /** Role id, e.g. `reviewer` (shown in labels, matched against backlog tags). */
  role?: string;
  /** Display name; default derived from the id. */
  nickname?: string;
  /** A reference to the agent that spawned this one. */
  parent?: string;
  /**
   * false: only register the agent (it stays `starting` until something runs its loop), as
   * tinytown's library does. Default true: start its loop in the background, as `tt spawn`.
   */
  start?: boolean;
}

/** An open town. Get one with `Town.init` or `Town.connect`; close it with `await using`. */
export class Town implements AsyncDisposable {
  #ctx: HandleContext;
  #channel: Channel;
  #settings: TownSettings;
  #lifecycle: RedisLifecycle;
  #startedServer: boolean;
  #closing: Promise<void> | undefined;

  /** @internal Made by Town.init and Town.connect. */
  constructor(ctx: HandleContext, lifecycle: RedisLifecycle, startedServer: boolean) {
    this.#ctx = ctx;
    this.#channel = new Channel(ctx.store, ctx.open.name);
    this.#settings = townSettings(ctx.open);
    this.#lifecycle = lifecycle;
    this.#startedServer = startedServer;
    setContext(this, ctx);
  }

  /**
   * Creates a town at `path` named `name`, as `tt init` does (tinytown.toml, `.tt/`, a
   * `.gitignore` entry, the town registry), starts its Redis and connects. Refuses a folder
   * that already holds a town.
   */
  static async init(path: string, name: string, options: TownInitOptions = {}): Promise<Town> {
    const env = layeredEnv(options.env ?? {});
    const clis: Record<string, AgentCliEntry> = {};
    for (const [cli, command] of Object.entries(options.agentClis ?? {})) {
      clis[cli] = { name: cli, command, env: {} };
    }
    effectiveAgentClis(clis); // a command that cannot be split fails before anything is made
    const made = await initTown(path, { name, env });
    if (Object.keys(clis).length > 0) {
      try {
        const config = await loadTownConfig(made.root);
        Object.assign(config.agentClis, clis);
        await saveTownConfig(made.root, config);
      } catch (err) {
        await stopTown(made.root, env).catch(() => {}); // leave no server running behind
        throw err;
      }
    }
    return await Town.#open(made.root, options, made.startedServer);
  }

  /** Opens the town at `path`, starting its Redis if it is not running. */
  static async connect(path: string, options: TownOpenOptions = {}): Promise<Town> {
    return await Town.#open(path, options, false);
  }

  static async #open(path: string, options: TownOpenOptions, started: boolean): Promise<Town> {
    const envVars = { ...options.env };
    const env = layeredEnv(envVars);
    const clientName = `tt-lib-${newId()}`;
    const open = await openTown(path, {
      env,
      clientName,
      ...(options.reconnect !== undefined ? { reconnect: options.reconnect } : {}),
    });
    const ctx: HandleContext = {
      open,
      store: openStore(open.redis, open.name),
      env,
      envVars,
      clientName,
    };
    return new Town(ctx, options.redis ?? "auto", started || open.startedServer);
  }

  /** The town folder, absolute. */
  get root(): string {
    return this.#ctx.open.root;
  }

  /** The town's name (`config.name`). */
  get name(): string {
    return this.#ctx.open.name;
  }

  /**
   * What opening the town found that its user should know, one line each: e.g. that its
   * redis-server had died without a clean shutdown and was restarted, and what may be lost.
   */
  get warnings(): readonly string[] {
    return this.#ctx.open.warnings;
  }

  /** The town's settings, as read when it was opened. */
  get config(): TownSettings {
    return this.#settings;
  }

  /** Mailboxes, records, backlog and events (library.md §8). */
  get channel(): Channel {
    return this.#channel;
  }

  /**
   * Registers an agent and starts its loop in the background, as `tt spawn` (or only
   * registers it with `start: false`). `options` may be just the CLI name.
   */
  async spawnAgent(
    name: string,
    options: SpawnAgentOptions | string = {},
  ): Promise<AgentHandle> {
    const opts = typeof options === "string" ? { cli: options } : options;
    const r = await agents.spawn(this.#ctx, {
      name,
      ...(opts.cli !== undefined ? { cli: opts.cli } : {}),
      ...(opts.maxRounds !== undefined ? { maxRounds: opts.maxRounds } : {}),
      ...(opts.role !== undefined ? { role: opts.role } : {}),
      ...(opts.nickname !== undefined ? { nickname: opts.nickname } : {}),
      ...(opts.parent !== undefined ? { parent: opts.parent } : {}),
      ...(opts.start === false ? { start: false } : {}),
    });
    return new AgentHandle(this.#ctx, r.agent.id, r.agent.name);
  }

  /**
   * The agent a reference names: name, nickname, `Nickname [role]` label, 4-character id
   * prefix or full id; `conductor`/`supervisor` give the conductor's mailbox. Rejects when
   * nothing or several agents match.
   */
  async agent(ref: string): Promise<AgentHandle> {
    const r = await this.#ctx.store.agents.resolve(ref);
    return r.kind === "conductor"
      ? new AgentHandle(this.#ctx, SUPERVISOR_ID, "conductor")
      : new AgentHandle(this.#ctx, r.id, r.agent.name);
  }

  /** Every agent of the town, oldest first. Rejects when Redis fails (never a silent `[]`). */
  async listAgents(): Promise<Agent[]> {
    return await this.#ctx.store.agents.list();
  }

  /**
   * Stops the town, as `tt stop`: every agent (a running CLI is ended and its messages put
   * back), then the town's own redis-server (SHUTDOWN, which saves when persistence is on).
   * An external or central Redis keeps running. This handle is closed afterwards.
   */
  async stop(): Promise<StopResult> {
    let result!: StopResult;
    const stopping = (async () => {
      await this.#closing; // a close already under way finishes first
      await this.#channel.close();
      try {
        result = await stopTown(this.root, this.#ctx.env);
      } finally {
        await this.#ctx.open.close();
      }
    })();
    this.#closing = stopping.catch(() => {});
    await stopping;
    return result;
  }

  /**
   * Closes this handle's connections (receives under way reject, subscriptions end). With the
   * default `redis: "auto"`, also stops the town's own redis-server when this handle started
   * it and nothing else uses it: no other client is connected and no agent loop is alive.
   * Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    await this.#channel.close();
    try {
      const server = this.#ctx.open.server;
      if (server && await this.#mayStopServer()) await stopServer(server);
    } finally {
      await this.#ctx.open.close();
    }
  }

  /** The `auto` rule: a town-owned server this handle started, that nothing else uses. */
  async #mayStopServer(): Promise<boolean> {
    const { open, store, clientName } = this.#ctx;
    if (this.#lifecycle !== "auto" || !this.#startedServer || open.config.useCentralRedis) {
      return false;
    }
    try {
      const names = await store.connections.clientNames();
      const others = names.filter((name) => name !== clientName);
      if (others.length > 0) return false;
      // A loop just started may not have connected yet: its process or its lease counts.
      for (const agent of await store.agents.list()) {
        if (!isActiveState(agent.state)) continue;
        if (loopRunsHere(agent) || await leaseHeld(store, agent.id)) return false;
      }
      return true;
    } catch {
      return false; // cannot tell (Redis gone?): leave it
    }
  }
}
