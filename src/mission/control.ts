/**
 * Control notes and their directives (spec extended §6.12): the conductor's notes to a
 * mission are read by the dispatcher that claims it, oldest first: `resume`/`retry`,
 * `redirect [ITEM] to AGENT [reason]`, `pause`/`hold`, or a plain note that is only logged.
 */
import { AgentNotFoundError, type TtError } from "../errors.ts";
import type { Agent } from "../model/agent.ts";
import { parseId } from "../model/ids.ts";
import {
  assignItem,
  blockMission,
  completeWatch,
  debugName,
  startMission,
  type WorkItem,
} from "../model/mission.ts";
import { jsonTime } from "../model/time.ts";
import { cancelTask } from "../model/task.ts";
import type { PassContext } from "./context.ts";
import { createMissionTask, missionTags, redirectDescription } from "./mission_tasks.ts";
import type { WorkingSet } from "./working_set.ts";

/** A parsed redirect directive. */
interface Redirect {
  item?: string;
  agent: string;
  reason?: string;
}

export function parseRedirect(body: string): Redirect | undefined {
  const words = body.trim().split(/\s+/);
  if (!["redirect", "reassign", "reroute", "rebind"].includes(words[0]?.toLowerCase())) {
    return undefined;
  }
  const rest = (from: number) => words.slice(from).join(" ") || undefined;
  if (words[1]?.toLowerCase() === "to" && words[2]) return { agent: words[2], reason: rest(3) };
  if (words[2]?.toLowerCase() === "to" && words[3]) {
    return { item: words[1], agent: words[3], reason: rest(4) };
  }
  return undefined;
}

function resolveItem(ws: WorkingSet, ref?: string): WorkItem | undefined {
  const open = [...ws.items.values()].filter((w) => w.status !== "done");
  if (ref === undefined) return open.length === 1 ? open[0] : undefined;
  const id = parseId(ref);
  if (id) return ws.items.get(id);
  const matches = open.filter((w) => w.id.startsWith(ref.toLowerCase()));
  return matches.length === 1 ? matches[0] : undefined;
}

/** Moves the item to `agent`: supersedes other open tasks, gives the agent a task for it. */
async function redirect(
  ctx: PassContext,
  ws: WorkingSet,
  item: WorkItem,
  agent: Agent,
  reason?: string,
): Promise<void> {
  let cancelled = 0;
  const why = `Superseded by dispatcher redirect to ${agent.name}` + (reason ? ` (${reason})` : "");
  for (const t of ctx.liveTasks(ws.id, item.id)) {
    if (t.assignedTo === agent.id) continue;
    const c = cancelTask(t, why);
    const r = await ctx.store.tasks.update(c, ["state", "result", "completedAt", "updatedAt"], [
      "pending",
      "assigned",
      "running",
    ]);
    if (r === "written") {
      ctx.noteTask(c);
      cancelled++;
    }
  }
  if (!ctx.liveTasks(ws.id, item.id).some((t) => t.assignedTo === agent.id)) {
    const kind = item.artifact_refs.length ? "fix" : "work";
    const task = await createMissionTask(
      ctx.store,
      agent,
      redirectDescription(ws.mission, item, agent, reason),
      missionTags(ws.id, item.id, kind),
      ws.id,
    );
    ctx.noteTask(task);
  }
  ws.setItem(assignItem(item, agent.id));
  ws.log(
    `Redirected work item '${item.title}' to '${agent.name}'` +
      (cancelled ? `; cancelled ${cancelled} superseded mission task(s)` : "") +
      (reason ? ` (${reason})` : ""),
  );
}

/** Applies one note; returns whether it changed the mission (progress). */
async function applyNote(
  ctx: PassContext,
  ws: WorkingSet,
  sender: string,
  body: string,
): Promise<boolean> {
  const lower = body.toLowerCase();
  const m = ws.mission;
  const state = debugName(m.state);
  if (lower.startsWith("resume") || lower.startsWith("retry")) {
    if (m.state !== "blocked") {
      ws.log(
        `Dispatcher ignored resume directive from ${sender} while mission was ${state}: ${body}`,
      );
      return false;
    }
    let n = 0;
    for (const w of ws.watches.values()) {
      if (w.status !== "done") {
        ws.setWatch(completeWatch(w));
        n++;
      }
    }
    ws.setMission(startMission(m));
    ws.setActive(true);
    ws.log(
      `Dispatcher received resume directive from ${sender}: ${body}` +
        (n ? ` (force-completed ${n} blocking watch(es))` : ""),
    );
    return true;
  }
  const r = parseRedirect(body);
  if (r) {
    const item = resolveItem(ws, r.item);
    if (!item) {
      ws.log(
        `Dispatcher ignored redirect directive from ${sender}: could not resolve work item in '${body}'`,
      );
      return false;
    }
    let agent: Agent;
    try {
      agent = await ctx.store.agents.resolveAgent(r.agent);
    } catch (err) {
      if (err instanceof AgentNotFoundError) {
        ws.log(
          `Dispatcher ignored redirect directive from ${sender}: unknown agent '${r.agent}' in '${body}'`,
        );
        return false;
      }
      // An ambiguous reference: logged, not retried forever (the reference aborts the tick).
      ws.log(`Dispatcher ignored redirect directive from ${sender}: ${(err as TtError).message}`);
      return false;
    }
    await redirect(ctx, ws, item, agent, r.reason);
    if (ws.mission.state === "blocked") ws.setMission(startMission(ws.mission));
    ws.log(`Dispatcher redirected work item ${item.id} to ${r.agent} from ${sender}`);
    return true;
  }
  if (lower.startsWith("pause") || lower.startsWith("hold")) {
    if (m.state !== "running") {
      ws.log(
        `Dispatcher ignored pause directive from ${sender} while mission was ${state}: ${body}`,
      );
      return false;
    }
    ws.setMission(blockMission(m, `Paused by ${sender}: ${body}`));
    ws.log(`Dispatcher received pause directive from ${sender}: ${body}`);
    return true;
  }
  ws.log(`Dispatcher received operator note from ${sender}: ${body}`);
  return false;
}

/**
 * Processes the mission's pending notes, oldest first, each marked processed after its effect
 * is written. Returns whether any directive changed the mission.
 */
export async function processNotes(ctx: PassContext, ws: WorkingSet): Promise<boolean> {
  const notes = ws.controls.filter((c) => c.processed_at === null);
  let progressed = false;
  for (const note of notes) {
    if (await applyNote(ctx, ws, note.sender, note.body.trim())) progressed = true;
    // Effect first, then the mark: a dispatcher killed in between applies the note again,
    // which every directive tolerates, rather than losing it.
    await ws.flush(ctx.store);
    await ctx.store.missions.saveControls({ ...note, processed_at: jsonTime(new Date()) });
  }
  return progressed;
}
