/**
 * The mission tools (townhall.md §8.3-8.4) with the reference's names and inputs, over tt's
 * mission service (src/mission/service.ts). Ids may be full UUIDs or 4+ character prefixes.
 * `mission.pause` acts through the dispatcher at once; `mission.approve`, `mission.reject` and
 * `mission.input` stand in for a work item's reviewer or answer its agent.
 */
import { z } from "zod";
import * as missions from "../mission/service.ts";
import { MISSION_STATES, WATCH_STATUSES, WORK_STATUSES } from "../model/mission.ts";
import type { TownContext } from "../service/context.ts";
import { missionEnv } from "./mission_env.ts";
import { tool, type ToolDef } from "./tool_kit.ts";

const id = z.string().describe("Mission id (UUID or its first 4+ characters)");
const statusInputs = {
  mission_id: id,
  include_work: z.boolean().default(false),
  include_watch: z.boolean().default(false),
  include_events: z.boolean().default(false),
  include_dispatcher: z.boolean().default(false),
};
const filtered = { mission_id: id, status: z.string().nullish() };
const eventInputs = { mission_id: id, count: z.number().int().default(20) };

function checked<T extends string>(list: readonly T[], what: string, s: string | null | undefined) {
  if (s == null) return undefined;
  if (!(list as readonly string[]).includes(s)) throw new Error(`Invalid ${what} status: ${s}`);
  return s as T;
}

interface StatusArgs {
  mission_id: string;
  include_work: boolean;
  include_watch: boolean;
  include_events: boolean;
  include_dispatcher: boolean;
}

async function missionStatus(ctx: TownContext, a: StatusArgs) {
  const s = await missions.status(missionEnv(ctx), a.mission_id, 10);
  const m = s.mission;
  return {
    mission: m,
    work_items: a.include_work ? s.items : null,
    work_item_count: s.items.length,
    watch_items: a.include_watch ? s.watches : null,
    watch_item_count: s.watches.length,
    events: a.include_events ? s.events : null,
    dispatcher: a.include_dispatcher
      ? {
        control_messages: s.controls.length,
        pending_control_messages: s.controls.filter((c) => c.processed_at === null).length,
        last_tick_at: m.dispatcher_last_tick_at,
        last_progress_at: m.dispatcher_last_progress_at,
        last_help_request_at: m.dispatcher_last_help_request_at,
        last_help_request_reason: m.dispatcher_last_help_request_reason,
      }
      : null,
  };
}

/** A mission's work or watch items, optionally of one status (the two lists read alike). */
function itemList<T extends { status: string }>(
  name: string,
  description: string,
  what: "work" | "watch",
  statuses: readonly string[],
  pick: (s: Awaited<ReturnType<typeof missions.status>>) => T[],
): ToolDef {
  return tool({
    name,
    description,
    group: "read",
    input: filtered,
    run: async ({ mission_id, status }, { ctx }) => {
      const want = checked(statuses, what, status);
      const s = await missions.status(missionEnv(ctx), mission_id, 0);
      const items = pick(s).filter((i) => want === undefined || i.status === want);
      return { count: items.length, items, mission_id: s.mission.id };
    },
  });
}

const workList = (name: string, description: string) =>
  itemList(name, description, "work", WORK_STATUSES, (s) => s.items);
const watchList = (name: string, description: string) =>
  itemList(name, description, "watch", WATCH_STATUSES, (s) => s.watches);

function eventList(name: string, description: string): ToolDef {
  return tool({
    name,
    description,
    group: "read",
    input: eventInputs,
    run: async ({ mission_id, count }, { ctx }) => {
      if (count <= 0) throw new Error("Event count must be greater than zero");
      const s = await missions.status(missionEnv(ctx), mission_id, count);
      return { count: s.events.length, events: s.events, mission_id: s.mission.id };
    },
  });
}

function decisionJson(r: missions.ItemDecision) {
  return {
    mission_id: r.missionId,
    scheduler_result: {
      missions_completed: r.pass.missionsCompleted,
      total_assigned: r.pass.assigned,
      total_promoted: r.pass.promoted,
    },
    status: r.outcome,
    work_item_id: r.itemId,
  };
}

function tickJson(r: Awaited<ReturnType<typeof missions.dispatchTick>>) {
  return {
    claimed_missions: r.claimed,
    skipped_missions: r.skipped,
    scheduler_result: { total_assigned: r.assigned, total_promoted: r.promoted },
    watch_result: {
      watches_processed: r.watchesProcessed,
      watches_triggered: r.watchesTriggered,
      watches_completed: r.watchesCompleted,
      watches_failed: r.watchesFailed,
    },
  };
}

export const MISSION_READ_TOOLS: readonly ToolDef[] = [
  tool({
    name: "mission.list",
    description: "Missions: the active ones, or every one with all or status",
    group: "read",
    input: { all: z.boolean().default(false), status: z.string().nullish() },
    run: async ({ all, status }, { ctx }) => {
      const want = checked(MISSION_STATES, "mission", status);
      const list = (await missions.list(missionEnv(ctx), { all: all || want !== undefined }))
        .filter((m) => want === undefined || m.state === want);
      return { count: list.length, missions: list };
    },
  }),
  tool({
    name: "mission.get_status",
    description: "One mission, optionally with its work, watches, events and dispatcher state",
    group: "read",
    input: statusInputs,
    run: (args, { ctx }) => missionStatus(ctx, args),
  }),
  tool({
    name: "mission.status",
    description: "One mission with its work, watches and dispatcher state",
    group: "read",
    input: statusInputs,
    run: (args, { ctx }) =>
      missionStatus(ctx, {
        ...args,
        include_work: true,
        include_watch: true,
        include_dispatcher: true,
      }),
  }),
  workList("mission.list_work", "A mission's work items"),
  workList("mission.work_items", "A mission's work items (alias of mission.list_work)"),
  watchList("mission.list_watches", "A mission's watch items"),
  watchList("mission.watches", "A mission's watch items (alias of mission.list_watches)"),
  eventList("mission.get_events", "A mission's newest events"),
  eventList("mission.events", "A mission's newest events (alias of mission.get_events)"),
];

export const MISSION_WRITE_TOOLS: readonly ToolDef[] = [
  tool({
    name: "mission.start",
    description: "Start a mission from GitHub issues and docs",
    group: "write",
    input: {
      issues: z.array(z.string()).default([]),
      docs: z.array(z.string()).default([]),
      max_parallel: z.number().int().min(0).default(2),
      no_reviewer: z.boolean().default(false),
    },
    run: async ({ issues, docs, max_parallel, no_reviewer }, { ctx }) => {
      if (issues.length === 0 && docs.length === 0) {
        throw new Error("At least one issue or doc objective is required");
      }
      const r = await missions.start(missionEnv(ctx), {
        issues,
        docs,
        maxParallel: max_parallel,
        noReviewer: no_reviewer,
        via: "MCP",
      });
      return {
        invalid_issues: [],
        mission: r.mission,
        objective_count: r.mission.objective_refs.length,
        scheduler_bootstrap: {
          total_assigned: r.pass.assigned,
          total_promoted: r.pass.promoted,
        },
        work_item_count: r.items.length,
      };
    },
  }),
  tool({
    name: "mission.resume",
    description: "Resume a blocked mission",
    group: "write",
    input: { mission_id: id },
    run: async ({ mission_id }, { ctx }) => {
      const r = await missions.resume(missionEnv(ctx), mission_id, "MCP");
      if (r.note) throw new Error(`Mission ${r.mission.id} is ${r.note}`);
      return { directive: "resume", mission_id: r.mission.id, status: r.mission.state };
    },
  }),
  tool({
    name: "mission.dispatch",
    description: "Run one dispatcher tick (one mission, or every active one)",
    group: "write",
    input: { mission_id: z.string().nullish() },
    run: async ({ mission_id }, { ctx }) =>
      tickJson(await missions.dispatchTick(missionEnv(ctx), mission_id ?? undefined)),
  }),
  tool({
    name: "mission.note",
    description: "Queue an operator note for the mission's dispatcher",
    group: "write",
    input: { mission_id: id, message: z.string(), sender: z.string().nullish() },
    run: async ({ mission_id, message, sender }, { ctx }) => {
      const r = await missions.note(missionEnv(ctx), mission_id, message, sender ?? "mcp");
      return { note: r.control };
    },
  }),
  tool({
    name: "mission.stop",
    description: "Stop a mission (blocked; failed with force)",
    group: "write",
    input: { mission_id: id, force: z.boolean().default(false) },
    run: async ({ mission_id, force }, { ctx }) => {
      const r = await missions.stop(missionEnv(ctx), mission_id, { force, via: "MCP" });
      return { force, mission: r.mission };
    },
  }),
  tool({
    name: "mission.pause",
    description: "Pause a running mission through the dispatcher (one tick acts on it now)",
    group: "write",
    input: { mission_id: id },
    run: async ({ mission_id }, { ctx }) => {
      const r = await missions.pause(missionEnv(ctx), mission_id, {
        sender: "mcp",
        via: "mission.pause",
      });
      // Another dispatcher holding the mission pauses it at its next tick.
      const status = r.processed ? "queued_and_processed" : "queued";
      return { directive: "pause", mission_id: r.mission.id, status };
    },
  }),
  tool({
    name: "mission.approve",
    description: "Approve a work item awaiting review (the one there is, or work_item_id)",
    group: "write",
    input: { mission_id: id, work_item_id: z.string().nullish() },
    run: async ({ mission_id, work_item_id }, { ctx }) => {
      const r = await missions.approve(missionEnv(ctx), mission_id, {
        ...(work_item_id ? { itemRef: work_item_id } : {}),
        artifact: "mcp:mission.approve",
      });
      return decisionJson(r);
    },
  }),
  tool({
    name: "mission.reject",
    description: "Request changes on a work item: a fix task goes to its owner",
    group: "write",
    input: { mission_id: id, work_item_id: z.string(), reason: z.string() },
    run: async ({ mission_id, work_item_id, reason }, { ctx }) => {
      const r = await missions.reject(missionEnv(ctx), mission_id, work_item_id, reason);
      return { ...decisionJson(r), reason };
    },
  }),
  tool({
    name: "mission.input",
    description: "Record operator input for a work item and send it to the item's agent",
    group: "write",
    input: { mission_id: id, work_item_id: z.string(), response: z.string() },
    run: async ({ mission_id, work_item_id, response }, { ctx }) => {
      const r = await missions.input(missionEnv(ctx), mission_id, work_item_id, response, "mcp");
      return {
        forwarded_to: r.forwardedTo ?? null,
        mission_id: r.missionId,
        recorded: true,
        work_item_id: r.itemId,
      };
    },
  }),
];
