/** The town metrics of `GET /metrics` (townhall.md §3.2) as Prometheus text lines. */
import type { TownMetrics } from "../../service/workload.ts";

function metric(out: string[], name: string, type: string, help: string, samples: string[]) {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
}

/** The lines for `m`; with `m` undefined (a read failed) every value is 0 and ready is 0. */
export function townMetricLines(m: TownMetrics | undefined, error?: string): string[] {
  const out: string[] = [];
  const v = (n: number | undefined) => String(n ?? 0);
  metric(out, "tinytown_up", "gauge", "Townhall is running.", ["tinytown_up 1"]);
  metric(out, "tinytown_ready", "gauge", "Redis answers.", [`tinytown_ready ${m ? 1 : 0}`]);
  const states = Object.entries(m?.agentsByState ?? {}).sort(([a], [b]) => a.localeCompare(b));
  metric(
    out,
    "tinytown_agents_total",
    "gauge",
    "Agents by state.",
    states.map(([s, n]) => `tinytown_agents_total{state="${s}"} ${n}`),
  );
  metric(out, "tinytown_tasks_pending", "gauge", "Backlog plus pending inbox tasks.", [
    `tinytown_tasks_pending ${v(m?.tasksPending)}`,
  ]);
  metric(out, "tinytown_tasks_completed_total", "counter", "Task records completed.", [
    `tinytown_tasks_completed_total ${v(m?.tasksCompleted)}`,
  ]);
  metric(out, "tinytown_missions_active", "gauge", "Active missions.", [
    `tinytown_missions_active ${v(m?.missionsActive)}`,
  ]);
  metric(out, "tinytown_redis_latency_seconds", "gauge", "Redis PING round trip.", [
    `tinytown_redis_latency_seconds ${(m?.redisLatencySeconds ?? 0).toFixed(6)}`,
  ]);
  metric(out, "tinytown_backlog_tasks", "gauge", "Tasks in the backlog.", [
    `tinytown_backlog_tasks ${v(m?.backlogTasks)}`,
  ]);
  metric(out, "tinytown_tasks_assigned_pending", "gauge", "Tasks waiting in inboxes.", [
    `tinytown_tasks_assigned_pending ${v(m?.tasksAssignedPending)}`,
  ]);
  metric(out, "tinytown_urgent_messages", "gauge", "Messages in urgent lists.", [
    `tinytown_urgent_messages ${v(m?.urgentMessages)}`,
  ]);
  if (error !== undefined) out.push(`# tinytown_metrics_error ${error.replace(/[\r\n]/g, " ")}`);
  return out;
}
