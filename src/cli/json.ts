/** JSON shapes printed by `--json`: the tinytown serde forms, plus tt's own fields. */
import { type Agent, agentJsonObject, displayLabel } from "../model/agent.ts";
import { roundFailureJson } from "../model/round_failure.ts";
import { type Task, taskToJson } from "../model/task.ts";

export function agentJson(agent: Agent): Record<string, unknown> {
  // Set on the serde object (a fresh one) rather than spread into a copy: `tt status --json`
  // prints thousands. A key it has keeps its place, as with a spread.
  const o = agentJsonObject(agent);
  o.label = displayLabel(agent);
  o.pid = agent.pid ?? null;
  o.host = agent.host ?? null;
  o.last_error = agent.lastError ?? null;
  o.last_error_detail = agent.lastErrorDetail ? roundFailureJson(agent.lastErrorDetail) : null;
  return o;
}

/** The serde JSON form of the task; with `assigneeLabel`, also the assignee's label. */
export function taskJson(task: Task, assigneeLabel?: string): Record<string, unknown> {
  const json = JSON.parse(taskToJson(task));
  return assigneeLabel === undefined ? json : { ...json, assignee_label: assigneeLabel };
}
