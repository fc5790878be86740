/**
 * AgentHandle: one agent (or the conductor's mailbox) of an open town, by id. It caches
 * nothing; every call reads or writes Redis through the same operations the CLI uses.
 */
import { closeAgent, interruptAgent, killAgent, resumeAgent } from "../service/agent_control.ts";
import { AgentNotFoundError } from "../errors.ts";
import type { Agent } from "../model/agent.ts";
import { SUPERVISOR_ID } from "../model/ids.ts";
import { type Message, type MessageBody, newMessage, type Priority } from "../model/message.ts";
import type { Task } from "../model/task.ts";
import { sleep } from "../sleep.ts";
import { resolveSender, type SendKind, sendMessage } from "../service/message_send.ts";
import { assignNewTask, assignTaskRecord } from "../service/task_ops.ts";
import type { WaitOptions } from "./channel.ts";
import type { HandleContext } from "./context.ts";
import { AgentFailedError, WaitTimeoutError } from "./errors.ts";

/** How `AgentHandle.send` sends. */
export interface AgentSendOptions {
  /** For text: what it is, as `tt send --query/--info/--ack` (default `task`). */
  kind?: SendKind;
  /** Put it on the urgent list, which the agent reads before its inbox. */
  urgent?: boolean;
  /**
   * The sender: an agent reference or id. Default as `tt send`: the agent whose loop runs
   * this process (TINYTOWN_AGENT_ID/NAME), else the conductor.
   */
  from?: string;
  /** For a message body: its priority (default `normal`; text is always `normal`). */
  priority?: Priority;
  /** For a message body: the id of the message it answers. */
  correlationId?: string;
}

/** What `AgentHandle.wait` waits for, and for how long. */
export interface AgentWaitOptions extends WaitOptions {
  /**
   * `idle` (default): until the agent is idle with nothing waiting or in flight — it has done
   * the work it was given — or has stopped. `stopped`: until its loop has ended (stopped or
   * cold), as `tt wait` does.
   */
  until?: "idle" | "stopped";
  /** How often the record is read. Default 100 ms. */
  pollMs?: number;
}

/** An agent of the town, or the conductor's mailbox; from `town.spawnAgent` or `town.agent`. */
export class AgentHandle {
  /** The agent's id (SUPERVISOR_ID for the conductor's mailbox). */
  readonly id: string;
  /** The agent's canonical name (`conductor` for the conductor's mailbox). */
  readonly name: string;
  #ctx: HandleContext;

  /** @internal Made by Town.spawnAgent and Town.agent. */
  constructor(ctx: HandleContext, id: string, name: string) {
    this.#ctx = ctx;
    this.id = id;
    this.name = name;
  }

  /** The agent record as it is now; null when there is none (always for the conductor). */
  async state(): Promise<Agent | null> {
    if (this.id === SUPERVISOR_ID) return null;
    return (await this.#ctx.store.agents.get(this.id)) ?? null;
  }

  /**
   * Sends the agent a message; returns its id. Text is sent as `tt send` does (a task unless
   * `kind` says otherwise, with a `message_sent` event); a message body is sent as it is.
   */
  async send(message: string | MessageBody, options: AgentSendOptions = {}): Promise<string> {
    const { store, env } = this.#ctx;
    if (typeof message === "string") {
      const r = await sendMessage(store, {
        to: this.id,
        text: message,
        ...(options.kind ? { kind: options.kind } : {}),
        ...(options.urgent ? { urgent: true } : {}),
        ...(options.from !== undefined ? { from: options.from } : {}),
      }, env);
      return r.messageId;
    }
    const from = await resolveSender(store, options.from, env);
    const m = newMessage(from, this.id, message, {
      ...(options.priority ? { priority: options.priority } : {}),
      ...(options.correlationId ? { correlationId: options.correlationId } : {}),
    });
    await store.mailbox.send(m, { urgent: options.urgent === true });
    return m.id;
  }

  /**
   * Gives the agent a task and sends it a `task_assign` from the conductor, in one
   * transaction; returns the task id. A string becomes a new task (as `tt assign`); a Task
   * without an assignee is assigned to this agent, one already assigned to it is saved as it
   * is, one assigned to another agent is refused.
   */
  async assign(task: string | Task): Promise<string> {
    const r = typeof task === "string"
      ? await assignNewTask(this.#ctx.store, this.id, task)
      : await assignTaskRecord(this.#ctx.store, this.id, task);
    return r.task.id;
  }

  /** Every message waiting for the agent, in the order it will take them (urgent first). */
  async inbox(): Promise<Message[]> {
    const { urgent, inbox } = await this.#ctx.store.mailbox.peekBoth(this.id, 0);
    return [...urgent, ...inbox];
  }

  /** How many messages wait in the inbox (the urgent list not counted, as in tinytown). */
  async inboxLen(): Promise<number> {
    return (await this.#ctx.store.mailbox.counts([this.id])).get(this.id)!.inbox;
  }

  /**
   * Waits until the agent is done (see `until`) and returns its record. Rejects with
   * AgentNotFoundError when the record is missing (or disappears), AgentFailedError when the
   * agent goes to `error`, WaitTimeoutError after `timeoutMs`, and the signal's reason when
   * `signal` aborts.
   */
  async wait(options: AgentWaitOptions = {}): Promise<Agent> {
    const { store } = this.#ctx;
    const timeoutMs = options.timeoutMs ?? 0;
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    const pollMs = options.pollMs ?? 100;
    const signal = options.signal;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const agent = this.id === SUPERVISOR_ID ? undefined : await store.agents.get(this.id);
      if (!agent) {
        throw new AgentNotFoundError(
          this.name,
          this.id === SUPERVISOR_ID
            ? "the conductor mailbox has no state to wait for"
            : `agent '${this.name}' (${this.id}) has no record: never created, or pruned`,
        );
      }
      if (agent.state === "error") throw new AgentFailedError(agent);
      if (agent.state === "stopped" || agent.state === "cold") return agent;
      if (options.until !== "stopped" && agent.state === "idle" && await this.#nothingLeft()) {
        return agent;
      }
      if (Date.now() >= deadline) throw new WaitTimeoutError(agent, timeoutMs);
      await sleep(Math.min(pollMs, deadline - Date.now()), signal);
    }
  }

  /**
   * Stops the agent now (as `tt kill`): it becomes `stopped`, its loop is signalled, and a
   * running CLI is ended with its messages put back. Returns the record after the change.
   */
  async kill(): Promise<Agent> {
    return (await killAgent(this.#ctx.store, this.id)).agent;
  }

  /** Pauses the agent (as `tt interrupt`): its loop takes no messages until resumed. */
  async interrupt(): Promise<Agent> {
    return (await interruptAgent(this.#ctx.store, this.id)).agent;
  }

  /** Resumes a paused agent (as `tt resume`). */
  async resume(): Promise<Agent> {
    return (await resumeAgent(this.#ctx.store, this.id)).agent;
  }

  /** Lets the agent finish its round and stop (as `tt close`); it ends `cold`. */
  async close(): Promise<Agent> {
    return (await closeAgent(this.#ctx.store, this.id)).agent;
  }

  /** Nothing waiting and nothing in flight: the loop has finished what it took. */
  async #nothingLeft(): Promise<boolean> {
    const c = (await this.#ctx.store.mailbox.counts([this.id])).get(this.id)!;
    return c.inbox + c.urgent + c.inflight === 0;
  }
}
