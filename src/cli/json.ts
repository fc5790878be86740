/** JSON shapes printed by `--json`: the tinytown serde forms, plus tt's own fields. */
import { type Agent, agentJsonObject, displayLabel } from "../model/agent.ts";
import { roundFailureJson } from "../model/round_failure.ts";
import { type Task, taskToJson } from "../model/task.ts";

export function agentJson(agent: Agent): Record<string, unknown> {
  return {
    ...agentJsonObject(agent),
    label: displayLabel(agent),
    pid: agent.pid ?? null,
    host: agent.host ?? null,
    last_error: agent.lastError ?? null,
    last_error_detail: agent.lastErrorDetail ? roundFailureJson(agent.lastErrorDetail) : null,
  };
}

/** The serde JSON form of the task; with `assigneeLabel`, also the assignee's label. */
export function taskJson(task: Task, assigneeLabel?: string): Record<string, unknown> {
  const json = JSON.parse(taskToJson(task));
  return assigneeLabel === undefined ? json : { ...json, assignee_label: assigneeLabel };
}
