/**
 * The Channel: the town's data at the level of tinytown's `Channel` (library.md §8, §12.5) —
 * mailboxes, agent and task records, the backlog, activity, broadcasts and events — with tt's
 * guarantees: receiving never loses a message (src/lib/receiver.ts), blocking reads and
 * subscriptions use their own connections, and every record write keeps tinytown's layout.
 */
import { UsageError } from "../errors.ts";
import type { Agent } from "../model/agent.ts";
import type { TownEvent } from "../model/event.ts";
import { isSupervisorAlias, parseId, SUPERVISOR_ID } from "../model/ids.ts";
import { type Message, type MessageBody, newMessage, type Priority } from "../model/message.ts";
import type { Task } from "../model/task.ts";
import type { StoredEvent } from "../store/events.ts";
import type { Store } from "../store/store.ts";
import { Receiver } from "./receiver.ts";
import { BroadcastSubscription, EventFeed, type EventFeedOptions } from "./subscriptions.ts";

/** How long to wait, and a way to give up early. */
export interface WaitOptions {
  /** Give up after this many milliseconds (0 or absent: no limit). */
  timeoutMs?: number;
  /** Give up when this aborts (the call rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** How a reply is sent. */
export interface ReplyOptions {
  /** Default `normal`; `high`/`urgent` go to the front of the inbox. */
  priority?: Priority;
  /** Put it on the requester's urgent list, read before the inbox. */
  urgent?: boolean;
}

/** Messages sent per pipeline by `sendMany` (all pipelines are written without waiting). */
const SEND_CHUNK = 1000;

/** Mailboxes, records, backlog and events of one town; get it from `town.channel`. */
export class Channel {
  #store: Store;
  #townName: string;
  #receiver: Receiver;
  #feeds = new Set<BroadcastSubscription | EventFeed>();

  /** @internal Made by Town; share `town.channel` instead of making one. */
  constructor(store: Store, townName: string) {
    this.#store = store;
    this.#townName = townName;
    this.#receiver = new Receiver(store);
  }

  /** The town name in every key (`tt:{town}:…`). */
  get townName(): string {
    return this.#townName;
  }

  // ---- sending ------------------------------------------------------------------------------

  /**
   * Queues a message in `message.to`'s inbox: `high`/`urgent` priority at the front, `normal`
   * and `low` at the back (tinytown's rule; every reader takes the front).
   */
  async send(message: Message): Promise<void> {
    await this.#store.mailbox.send(message);
  }

  /** Queues a message on `message.to`'s urgent list, which readers empty before the inbox. */
  async sendUrgent(message: Message): Promise<void> {
    await this.#store.mailbox.send(message, { urgent: true });
  }

  /**
   * Sends many messages in pipelines (as `send`, or as `sendUrgent` with `urgent`): one round
   * trip per thousand messages rather than one per message. Not a transaction: if it fails,
   * some of the messages may have been delivered.
   */
  async sendMany(messages: readonly Message[], options: { urgent?: boolean } = {}): Promise<void> {
    const batches = [];
    for (let i = 0; i < messages.length; i += SEND_CHUNK) {
      const p = this.#store.mailbox.sendManyTo(
        this.#store.pipeline(),
        messages.slice(i, i + SEND_CHUNK),
        options,
      );
      batches.push(p.execOrThrow());
    }
    await Promise.all(batches);
  }

  /** Re-addresses a message to `to` (same id, sender, priority and time) and sends it. */
  async moveMessageToInbox(message: Message, to: string): Promise<Message> {
    const moved = { ...message, to: toId(to) };
    await this.send(moved);
    return moved;
  }

  /** Publishes a message to every current `subscribeBroadcast` listener; returns how many. */
  async broadcast(message: Message): Promise<number> {
    return await this.#store.mailbox.broadcast(message);
  }

  /**
   * Listens to the town's broadcasts from now on, on a connection of its own. Iterate it with
   * `for await`; close it (or leave the loop, or `await using`) to stop.
   */
  async subscribeBroadcast(): Promise<BroadcastSubscription> {
    const sub = await BroadcastSubscription.open(this.#store, (s) => this.#feeds.delete(s));
    this.#feeds.add(sub);
    return sub;
  }

  // ---- receiving ----------------------------------------------------------------------------

  /**
   * Takes the next message for `agentId`, urgent list first, waiting up to `timeoutMs` for one
   * (0 = no limit); null on timeout. Waits on a connection of its own. Nothing is lost when
   * the caller gives up (timeout, `signal`, closing the town): a message is moved into flight
   * and removed only once returned, and one moved while the caller was giving up goes back to
   * the front of the inbox. An urgent message that arrives during the wait is seen within a
   * second. Entries that are not messages for this mailbox go to the dead letters. Meant for
   * the conductor's mailbox and mailboxes no agent loop reads: a running loop takes its own.
   */
  receive(
    agentId: string,
    timeoutMs: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<Message | null> {
    return this.#receiver.receive(toId(agentId), timeoutMs, options.signal);
  }

  /** Takes the next waiting message for `agentId` (urgent first), or null at once. */
  tryReceive(agentId: string): Promise<Message | null> {
    return this.#receiver.tryReceive(toId(agentId));
  }

  /** Takes every waiting message for `agentId`: the urgent list, then the inbox, in order. */
  async drainInbox(agentId: string): Promise<Message[]> {
    const id = toId(agentId);
    const out: Message[] = [];
    for (let m = await this.tryReceive(id); m; m = await this.tryReceive(id)) out.push(m);
    return out;
  }

  /** Messages waiting in the inbox (the urgent list is not counted, as in tinytown). */
  async inboxLen(agentId: string): Promise<number> {
    const id = toId(agentId);
    return (await this.#store.mailbox.counts([id])).get(id)!.inbox;
  }

  /** Messages waiting on the urgent list. */
  async urgentLen(agentId: string): Promise<number> {
    const id = toId(agentId);
    return (await this.#store.mailbox.counts([id])).get(id)!.urgent;
  }

  /** The first `count` messages of the inbox, not consumed (unreadable entries skipped). */
  async peekInbox(agentId: string, count: number): Promise<Message[]> {
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`count must be a whole number >= 1, got ${count}`);
    }
    return (await this.#store.mailbox.peek(toId(agentId), count)).messages;
  }

  /**
   * Puts messages left in flight for `agentId` (by a reader or loop that died before it was
   * done) back at the front of their lists, marked redelivered; returns how many. Only for a
   * mailbox nobody is reading right now: a live reader's messages would come twice.
   */
  async redeliverInFlight(agentId: string): Promise<number> {
    return await this.#store.mailbox.redeliverInFlight(toId(agentId));
  }

  // ---- request / reply ----------------------------------------------------------------------

  /**
   * Sends `message` and waits for its reply: the first message in `message.from`'s mailbox
   * whose correlation id is `message.id` (other messages there are left alone). Null when
   * `timeoutMs` passes first (default: no limit). Replies sent with `reply()` carry it.
   */
  async request(message: Message, options: WaitOptions = {}): Promise<Message | null> {
    await this.send(message);
    return await this.#receiver.waitReply(
      message.from,
      message.id,
      options.timeoutMs ?? 0,
      options.signal,
    );
  }

  /** Answers `request`: a message to its sender, from its recipient, correlated to it. */
  async reply(request: Message, body: MessageBody, options: ReplyOptions = {}): Promise<Message> {
    const m = newMessage(request.to, request.from, body, {
      correlationId: request.id,
      ...(options.priority ? { priority: options.priority } : {}),
    });
    await this.#store.mailbox.send(m, { urgent: options.urgent === true });
    return m;
  }

  // ---- stop flags ---------------------------------------------------------------------------

  /** Leaves a stop request (`tt:{town}:stop:{id}`, an hour) that the agent's loop obeys. */
  async requestStop(agentId: string): Promise<void> {
    await this.#store.agents.requestStop(toId(agentId));
  }

  /** Whether a stop request is pending for the agent. */
  async shouldStop(agentId: string): Promise<boolean> {
    return await this.#store.agents.stopRequested(toId(agentId));
  }

  /** Withdraws a pending stop request. */
  async clearStop(agentId: string): Promise<void> {
    await this.#store.agents.clearStop(toId(agentId));
  }

  // ---- agent records ------------------------------------------------------------------------

  /**
   * Writes an agent record whole, as tinytown does (absent optional fields are deleted),
   * creating it when missing. No loop is started and no limit is checked: use
   * `town.spawnAgent` for a new agent.
   */
  async saveAgent(agent: Agent): Promise<void> {
    await this.#store.agents.save(agent);
  }

  /** The agent record, or null when there is none. */
  async getAgent(agentId: string): Promise<Agent | null> {
    return (await this.#store.agents.get(toId(agentId))) ?? null;
  }

  /** Every agent of the town, oldest first. Rejects when Redis fails. */
  async listAgents(): Promise<Agent[]> {
    return await this.#store.agents.list();
  }

  /**
   * The agent a reference names: a name, nickname, `Nickname [role]` label, 4-character id
   * prefix or full id (case-insensitive). Rejects when none or several match, and for the
   * conductor mailbox, which has no record.
   */
  async resolveAgent(ref: string): Promise<Agent> {
    return await this.#store.agents.resolveAgent(ref);
  }

  /** Deletes the agent record and its per-agent keys (inbox, urgent list, activity, ...). */
  async deleteAgent(agentId: string): Promise<void> {
    await this.#store.agents.delete(toId(agentId));
  }

  // ---- task records -------------------------------------------------------------------------

  /** Writes a task record whole (absent optional fields are deleted), creating it if missing. */
  async saveTask(task: Task): Promise<void> {
    await this.#store.tasks.save(task);
  }

  /** The task with this id, or null when there is none. */
  async getTask(taskId: string): Promise<Task | null> {
    const id = parseId(taskId.trim());
    return id === undefined ? null : (await this.#store.tasks.get(id)) ?? null;
  }

  /** Deletes the task record (and takes its id out of the backlog). */
  async deleteTask(taskId: string): Promise<void> {
    await this.#store.tasks.delete(taskIdOf(taskId));
  }

  /** Every task of the town, oldest first. */
  async listTasks(): Promise<Task[]> {
    return await this.#store.tasks.list();
  }

  // ---- backlog ------------------------------------------------------------------------------

  /** Appends a task id to the backlog (the task record is separate: save it too). */
  async backlogPush(taskId: string): Promise<void> {
    await this.#store.tasks.backlogPush(taskIdOf(taskId));
  }

  /** The backlog's task ids, first in line first. */
  async backlogList(): Promise<string[]> {
    return await this.#store.tasks.backlogIds();
  }

  /** How many ids wait in the backlog. */
  async backlogLen(): Promise<number> {
    return await this.#store.tasks.backlogLength();
  }

  /**
   * Takes the first id out of the backlog (null when empty). To give a backlog task to an
   * agent, `BacklogService.claim` does it atomically with the assignment.
   */
  async backlogPop(): Promise<string | null> {
    return (await this.#store.tasks.backlogPop()) ?? null;
  }

  /** Takes one occurrence of the id out of the backlog; true when it was there. */
  async backlogRemove(taskId: string): Promise<boolean> {
    return await this.#store.tasks.backlogRemove(taskIdOf(taskId));
  }

  // ---- activity and events ------------------------------------------------------------------

  /** Adds a line to the agent's short activity log (newest 10 kept, an hour). */
  async logActivity(agentId: string, text: string): Promise<void> {
    await this.#store.activity.add(toId(agentId), text);
  }

  /** The agent's newest activity lines, newest first (at most 5). */
  async recentActivity(agentId: string): Promise<string[]> {
    return await this.#store.activity.recent(toId(agentId));
  }

  /** Appends an event to the town's stream (and its agents' streams); never throws. */
  async emitEvent(event: TownEvent): Promise<void> {
    await this.#store.events.emit(event);
  }

  /** The newest `count` events of the town (or of one agent), oldest first. */
  async recentEvents(count: number, options: { agentId?: string } = {}): Promise<StoredEvent[]> {
    const agent = options.agentId === undefined ? undefined : toId(options.agentId);
    return await this.#store.events.recent(count, agent);
  }

  /**
   * Follows the town's (or one agent's) event stream live, on a connection of its own:
   * iterate it with `for await`; close it to stop.
   */
  async watchEvents(options: EventFeedOptions = {}): Promise<EventFeed> {
    const opts = options.agentId === undefined ? options : {
      ...options,
      agentId: toId(options.agentId),
    };
    const feed = await EventFeed.open(this.#store, opts, (f) => this.#feeds.delete(f));
    this.#feeds.add(feed);
    return feed;
  }

  /** @internal Ends receives, subscriptions and feeds and closes their connections. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#feeds].map((f) => f.close()));
    await this.#receiver.close();
  }
}

/** A mailbox id: an agent id in any UUID form, or `conductor`/`supervisor`. */
function toId(agentId: string): string {
  if (isSupervisorAlias(agentId)) return SUPERVISOR_ID;
  const id = parseId(agentId.trim());
  if (id === undefined) {
    throw new UsageError(`'${agentId}' is not an agent id (use town.agent(ref) to resolve names)`);
  }
  return id;
}

function taskIdOf(taskId: string): string {
  const id = parseId(taskId.trim());
  if (id === undefined) throw new UsageError(`'${taskId}' is not a task id`);
  return id;
}
