/**
 * The agent record. Stored as the Redis hash `tt:{town}:agent:{id}` in exactly tinytown's
 * field layout, plus tt-only fields tinytown ignores (`pid`, `host`, `last_error`,
 * `last_error_detail`, `cli_pid`).
 */
import { TtError } from "../errors.ts";
import {
  DecodeError,
  dropUndefined,
  type HashWrite,
  type JsonObject,
  optCount,
  optEnum,
  optId,
  optString,
  optTime,
  parseCounter,
  parseJsonObject,
  reqCount,
  reqEnum,
  reqId,
  reqString,
  reqTime,
} from "./fields.ts";
import { newId, parseId } from "./ids.ts";
import { nicknameFor } from "./nicknames.ts";
import { decodeRoundFailure, encodeRoundFailure, type RoundFailure } from "./round_failure.ts";
import { hashTime, jsonTime, parseTime } from "./time.ts";

/** Every agent state, as stored (lowercase). */
export const AGENT_STATES = [
  "cold",
  "starting",
  "idle",
  "working",
  "paused",
  "draining",
  "stopped",
  "error",
] as const;
/** Where an agent is in its life: `starting` to `idle`/`working`, ending `stopped`, `error` or `cold`. */
export type AgentState = typeof AGENT_STATES[number];

/** Every agent type, as stored. */
export const AGENT_TYPES = ["supervisor", "worker"] as const;
/** `worker` for spawned agents; `supervisor` is the conductor's kind. */
export type AgentType = typeof AGENT_TYPES[number];

/** Every spawn mode, as stored. */
export const SPAWN_MODES = ["fresh", "forkedcontext", "resumed"] as const;
/** How the agent's context began: `fresh` (tt always), `forkedcontext` or `resumed`. */
export type SpawnMode = typeof SPAWN_MODES[number];

export const DEFAULT_ROLE = "default";
export const BUILTIN_ROLES: readonly string[] = [
  "default",
  "worker",
  "reviewer",
  "researcher",
  "runner",
];

/** An agent record (the hash `tt:{town}:agent:{id}`). */
export interface Agent {
  /** The agent's id (a lowercase UUID). */
  id: string;
  /** Canonical name exactly as given to spawn. */
  name: string;
  /** Display name; derived from the id unless given. */
  nickname?: string;
  /** Role id, e.g. `reviewer`; absent means `default`. */
  roleId?: string;
  /** The agent that spawned this one. */
  parentAgentId?: string;
  /** How its context began. */
  spawnMode: SpawnMode;
  /** `worker` for spawned agents. */
  agentType: AgentType;
  /** Where it is in its life. */
  state: AgentState;
  /** Resolved CLI name, or a raw custom command. */
  cli: string;
  /** The task it is working on. */
  currentTask?: string;
  /** When it was registered. */
  createdAt: Date;
  /** Last sign of life from its loop. */
  lastHeartbeat: Date;
  /** Tasks it completed. */
  tasksCompleted: number;
  /** Rounds its loop ran (since the last restart). */
  roundsCompleted: number;
  /** Last time it did work (the idle timeout counts from here). */
  lastActiveAt: Date;
  /** tt only: process id of the agent loop. */
  pid?: number;
  /** tt only: host the agent loop runs on. */
  host?: string;
  /** tt only: one line, the last failed round's or the error that put the agent in `error`. */
  lastError?: string;
  /** tt only: the last failed round in detail; a round that succeeds clears it. */
  lastErrorDetail?: RoundFailure;
  /** tt only: process (and process group) id of the agent CLI while a round runs. */
  cliPid?: number;
}

export function isAgentState(s: string): s is AgentState {
  return (AGENT_STATES as readonly string[]).includes(s);
}

/** Process gone (or never started): `stopped`, `error`, `cold`. */
export function isTerminalState(state: AgentState): boolean {
  return state === "stopped" || state === "error" || state === "cold";
}

/** A process is expected to be running. */
export function isActiveState(state: AgentState): boolean {
  return !isTerminalState(state);
}

/** Only an idle agent takes new work at once. */
export function canAcceptWork(state: AgentState): boolean {
  return state === "idle";
}

/** The Rust variant name (`Idle`, `Working`, …) used in human-facing output and events. */
export function stateDisplayName(state: AgentState): string {
  return state.charAt(0).toUpperCase() + state.slice(1);
}

const STATE_EMOJI: Record<AgentState, string> = {
  cold: "🧊",
  starting: "🔄",
  idle: "💤",
  working: "⚡",
  paused: "⏸️",
  draining: "🔻",
  stopped: "⏹️",
  error: "❌",
};

export function stateEmoji(state: AgentState): string {
  return STATE_EMOJI[state];
}

/** Optional parts of a new agent record. */
export interface NewAgentOptions {
  /** Default: a new random id. */
  id?: string;
  /** Default `worker`. */
  agentType?: AgentType;
  /** Default: derived from the id. */
  nickname?: string;
  /** Role id. */
  roleId?: string;
  /** The spawning agent's id. */
  parentAgentId?: string;
  /** Default `fresh`. */
  spawnMode?: SpawnMode;
  /** The timestamps' time; default now. */
  now?: Date;
}

/** A fresh record: `starting`, counters 0, all timestamps now, nickname from the id. */
export function newAgent(name: string, cli: string, opts: NewAgentOptions = {}): Agent {
  const id = opts.id ?? newId();
  const now = opts.now ?? new Date();
  return dropUndefined({
    id,
    name,
    nickname: opts.nickname ?? nicknameFor(id),
    roleId: opts.roleId,
    parentAgentId: opts.parentAgentId,
    spawnMode: opts.spawnMode ?? "fresh",
    agentType: opts.agentType ?? "worker",
    state: "starting",
    cli,
    currentTask: undefined,
    createdAt: now,
    lastHeartbeat: now,
    tasksCompleted: 0,
    roundsCompleted: 0,
    lastActiveAt: now,
  });
}

/** Nickname if set, else the canonical name. */
export function displayName(agent: Agent): string {
  return agent.nickname ?? agent.name;
}

/** The role id, `default` when none is set. */
export function effectiveRole(agent: Agent): string {
  return agent.roleId ?? DEFAULT_ROLE;
}

/** `"{display name} [{role}]"`, or `[{name}]` when the role is `default`. */
export function displayLabel(agent: Agent): string {
  const role = effectiveRole(agent);
  return `${displayName(agent)} [${role === DEFAULT_ROLE ? agent.name : role}]`;
}

export type { HashWrite };

/** The hash form. Optional fields that are absent are listed in `del`. */
export function agentToHash(agent: Agent): HashWrite {
  const set: Record<string, string> = {
    id: agent.id,
    name: agent.name,
    agent_type: agent.agentType,
    state: agent.state,
    cli: agent.cli,
    created_at: hashTime(agent.createdAt),
    last_heartbeat: hashTime(agent.lastHeartbeat),
    tasks_completed: String(agent.tasksCompleted),
    rounds_completed: String(agent.roundsCompleted),
    last_active_at: hashTime(agent.lastActiveAt),
    spawn_mode: agent.spawnMode,
  };
  const del: string[] = [];
  const optional: [string, string | undefined][] = [
    ["current_task", agent.currentTask],
    ["nickname", agent.nickname],
    ["role_id", agent.roleId],
    ["parent_agent_id", agent.parentAgentId],
    ["pid", agent.pid === undefined ? undefined : String(agent.pid)],
    ["host", agent.host],
    ["last_error", agent.lastError],
    ["last_error_detail", agent.lastErrorDetail && encodeRoundFailure(agent.lastErrorDetail)],
    ["cli_pid", agent.cliPid === undefined ? undefined : String(agent.cliPid)],
  ];
  for (const [field, value] of optional) {
    if (value === undefined) del.push(field);
    else set[field] = value;
  }
  return { set, del };
}

function oneOf<T extends string>(values: readonly T[], s: string | undefined, fallback: T): T {
  return s !== undefined && (values as readonly string[]).includes(s) ? s as T : fallback;
}

/**
 * Reads an `HGETALL` result as tinytown does: empty hash -> undefined (no such agent); missing
 * or bad `id` -> TtError; every other bad value falls back to its default (enums to their
 * defaults, timestamps to now or `created_at`, counters to 0, ids to absent).
 */
export function agentFromHash(h: Record<string, string>, now = new Date()): Agent | undefined {
  if (h.id === undefined) {
    if (Object.keys(h).length === 0) return undefined;
    throw new TtError("agent record has no id field");
  }
  const id = parseId(h.id);
  if (id === undefined) throw new TtError(`agent record has an invalid id: '${h.id}'`);
  const createdAt = parseTime(h.created_at) ?? now;
  const pid = parseCounter(h.pid);
  // Built property by property, absent optionals left out (the order is that of the type):
  // `tt status` decodes thousands of these, and dropping undefined ones afterwards costs more.
  const a = { id, name: h.name ?? "" } as Agent;
  if (h.nickname !== undefined) a.nickname = h.nickname;
  if (h.role_id !== undefined) a.roleId = h.role_id;
  const parent = h.parent_agent_id === undefined ? undefined : parseId(h.parent_agent_id);
  if (parent !== undefined) a.parentAgentId = parent;
  a.spawnMode = oneOf(SPAWN_MODES, h.spawn_mode, "fresh");
  a.agentType = oneOf(AGENT_TYPES, h.agent_type, "worker");
  a.state = oneOf(AGENT_STATES, h.state, "starting");
  a.cli = h.cli ?? "";
  const task = h.current_task === undefined ? undefined : parseId(h.current_task);
  if (task !== undefined) a.currentTask = task;
  a.createdAt = createdAt;
  a.lastHeartbeat = parseTime(h.last_heartbeat) ?? now;
  a.tasksCompleted = parseCounter(h.tasks_completed) ?? 0;
  a.roundsCompleted = parseCounter(h.rounds_completed) ?? 0;
  a.lastActiveAt = parseTime(h.last_active_at) ?? createdAt;
  if (pid !== undefined && pid > 0) a.pid = pid;
  if (h.host !== undefined) a.host = h.host;
  if (h.last_error !== undefined) a.lastError = h.last_error;
  const detail = decodeRoundFailure(h.last_error_detail);
  if (detail !== undefined) a.lastErrorDetail = detail;
  const cliPid = positiveInt(h.cli_pid);
  if (cliPid !== undefined) a.cliPid = cliPid;
  return a;
}

/**
 * The keys every snake_case form of an agent starts with, in this order: the serde JSON form
 * below and the REST and MCP agent objects (service/wire.ts). Absent options are `null`.
 */
export function agentIdentityJson(agent: Agent) {
  return {
    id: agent.id,
    name: agent.name,
    nickname: agent.nickname ?? null,
    role_id: agent.roleId ?? null,
    parent_agent_id: agent.parentAgentId ?? null,
    spawn_mode: agent.spawnMode,
  };
}

/**
 * The serde JSON form (legacy string storage, API layers): tinytown's field order, `null` for
 * absent options, `Z` timestamps. tt-only fields follow, only when set.
 */
export function agentToJson(agent: Agent): string {
  return JSON.stringify(agentJsonObject(agent));
}

/** The object `agentToJson` writes, for callers that extend it before printing. */
export function agentJsonObject(agent: Agent): Record<string, unknown> {
  const o: Record<string, unknown> = {
    ...agentIdentityJson(agent),
    agent_type: agent.agentType,
    state: agent.state,
    cli: agent.cli,
    current_task: agent.currentTask ?? null,
    created_at: jsonTime(agent.createdAt),
    last_heartbeat: jsonTime(agent.lastHeartbeat),
    tasks_completed: agent.tasksCompleted,
    rounds_completed: agent.roundsCompleted,
    last_active_at: jsonTime(agent.lastActiveAt),
  };
  if (agent.pid !== undefined) o.pid = agent.pid;
  if (agent.host !== undefined) o.host = agent.host;
  if (agent.lastError !== undefined) o.last_error = agent.lastError;
  if (agent.lastErrorDetail !== undefined) {
    o.last_error_detail = JSON.parse(encodeRoundFailure(agent.lastErrorDetail));
  }
  return o;
}

function agentFromObject(o: JsonObject, now: Date): Agent {
  return dropUndefined({
    id: reqId(o, "id"),
    name: reqString(o, "name"),
    nickname: optString(o, "nickname"),
    roleId: optString(o, "role_id"),
    parentAgentId: optId(o, "parent_agent_id"),
    spawnMode: optEnum(o, "spawn_mode", SPAWN_MODES) ?? "fresh",
    agentType: reqEnum(o, "agent_type", AGENT_TYPES),
    state: reqEnum(o, "state", AGENT_STATES),
    cli: reqString(o, "cli"),
    currentTask: optId(o, "current_task"),
    createdAt: reqTime(o, "created_at"),
    lastHeartbeat: reqTime(o, "last_heartbeat"),
    tasksCompleted: reqCount(o, "tasks_completed"),
    roundsCompleted: optCount(o, "rounds_completed") ?? 0,
    lastActiveAt: optTime(o, "last_active_at") ?? now,
    pid: optCount(o, "pid"),
    host: optString(o, "host"),
    lastError: optString(o, "last_error"),
    lastErrorDetail: o.last_error_detail === undefined
      ? undefined
      : decodeRoundFailure(JSON.stringify(o.last_error_detail)),
  });
}

/**
 * Reads the serde JSON form with serde's rules (required fields must be valid; `nickname`,
 * `role_id`, `parent_agent_id`, `spawn_mode`, `rounds_completed` default; a missing
 * `last_active_at` becomes now). Throws TtError on bad input.
 */
export function agentFromJson(input: string | JsonObject, now = new Date()): Agent {
  try {
    const o = typeof input === "string" ? parseJsonObject(input, "agent JSON") : input;
    return agentFromObject(o, now);
  } catch (err) {
    if (err instanceof DecodeError) throw new TtError(`bad agent record: ${err.message}`);
    throw err;
  }
}

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 ? n : undefined;
}
