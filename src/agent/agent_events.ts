/** Events the agent loop adds to the town's streams. */
import { type Agent, type AgentState, stateDisplayName } from "../model/agent.ts";
import { newEvent, type TownEvent } from "../model/event.ts";
import { summarizeMessage, truncateSummary } from "../model/message.ts";
import type { Taken } from "../store/mailbox.ts";

export function stateChanged(agent: Agent, to: AgentState): TownEvent {
  return newEvent(
    "agent_state_changed",
    `${agent.name}: ${stateDisplayName(agent.state)} -> ${stateDisplayName(to)}`,
    { agentId: agent.id, oldState: stateDisplayName(agent.state), newState: stateDisplayName(to) },
  );
}

/** One `message_handled` per message a finished round consumed. */
export function messagesHandled(agent: Agent, taken: readonly Taken[]): TownEvent[] {
  return taken.map((t) =>
    newEvent(
      "message_handled",
      `${agent.name} handled ${t.message.body.type} ${t.message.id}: ` +
        truncateSummary(summarizeMessage(t.message.body), 60),
      {
        agentId: agent.id,
        ...(t.message.body.type === "task_assign" ? { taskId: t.message.body.taskId } : {}),
      },
    )
  );
}
