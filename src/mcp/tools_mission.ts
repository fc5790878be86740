/**
 * The mission tools (townhall.md §8.3-8.4) with the reference's names and inputs. tt's mission
 * service (src/mission/) has not landed yet, so each answers with a failure envelope that says
 * so; the names are listed so existing MCP configurations and prompts keep resolving.
 */
import { z } from "zod";
import { tool, type ToolDef, type ToolGroup } from "./tool_kit.ts";

/** The one failure text of every mission tool until the mission service lands. */
export const MISSIONS_UNAVAILABLE =
  "Missions are not available in this tt yet (the mission service has not landed); " +
  "use tasks and the backlog instead";

const id = z.string().describe("Mission id (UUID)");
const statusInputs = {
  mission_id: id,
  include_work: z.boolean().default(false),
  include_watch: z.boolean().default(false),
  include_events: z.boolean().default(false),
  include_dispatcher: z.boolean().default(false),
};
const workList = { mission_id: id, status: z.string().nullish() };
const events = { mission_id: id, count: z.number().int().default(20) };

function missionTool(
  name: string,
  description: string,
  group: ToolGroup,
  input: z.ZodRawShape,
): ToolDef {
  return tool({
    name,
    description,
    group,
    input,
    run: () => Promise.reject(new Error(MISSIONS_UNAVAILABLE)),
  });
}

export const MISSION_READ_TOOLS: readonly ToolDef[] = [
  missionTool("mission.list", "Missions (active ones unless all or status)", "read", {
    all: z.boolean().default(false),
    status: z.string().nullish(),
  }),
  missionTool(
    "mission.get_status",
    "One mission, optionally with its work, watches, events",
    "read",
    statusInputs,
  ),
  missionTool(
    "mission.status",
    "One mission with work, watches and dispatcher state",
    "read",
    statusInputs,
  ),
  missionTool("mission.list_work", "A mission's work items", "read", workList),
  missionTool(
    "mission.work_items",
    "A mission's work items (alias of mission.list_work)",
    "read",
    workList,
  ),
  missionTool("mission.list_watches", "A mission's watch items", "read", workList),
  missionTool(
    "mission.watches",
    "A mission's watch items (alias of mission.list_watches)",
    "read",
    workList,
  ),
  missionTool("mission.get_events", "A mission's newest events", "read", events),
  missionTool(
    "mission.events",
    "A mission's newest events (alias of mission.get_events)",
    "read",
    events,
  ),
];

export const MISSION_WRITE_TOOLS: readonly ToolDef[] = [
  missionTool("mission.start", "Start a mission from issues and docs", "write", {
    issues: z.array(z.string()).default([]),
    docs: z.array(z.string()).default([]),
    max_parallel: z.number().int().min(0).default(2),
    no_reviewer: z.boolean().default(false),
  }),
  missionTool("mission.approve", "Approve a blocked work item awaiting review", "write", {
    mission_id: id,
    work_item_id: z.string().nullish(),
  }),
  missionTool("mission.reject", "Request changes on a work item", "write", {
    mission_id: id,
    work_item_id: z.string(),
    reason: z.string(),
  }),
  missionTool("mission.pause", "Pause a running mission", "write", { mission_id: id }),
  missionTool("mission.resume", "Resume a blocked mission", "write", { mission_id: id }),
  missionTool("mission.dispatch", "Run one dispatcher tick", "write", {
    mission_id: z.string().nullish(),
  }),
  missionTool("mission.note", "Queue an operator note for a mission", "write", {
    mission_id: id,
    message: z.string(),
    sender: z.string().nullish(),
  }),
  missionTool("mission.input", "Answer a work item's request for input", "write", {
    mission_id: id,
    work_item_id: z.string(),
    response: z.string(),
  }),
  missionTool("mission.stop", "Stop a mission", "write", {
    mission_id: id,
    force: z.boolean().default(false),
  }),
];
