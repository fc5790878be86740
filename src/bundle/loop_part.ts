/** A split point of the bundle (src/bundle/entry.ts): the agent loop and the agent CLI runner. */
export * as agentLoopProcess from "../agent/loop_process.ts";
export * as agentRunner from "../agent/runner.ts";
export * as cliAgentLoopEntry from "../cli/agent_loop_entry.ts";
