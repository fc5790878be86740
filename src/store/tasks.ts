/** Task records: create, read, list, guarded state changes, delete, and the backlog list. */
import { TaskNotFoundError, TtError } from "../errors.ts";
import type { RedisClient } from "../redis/client.ts";
import { WriteBatch } from "./batch.ts";
import { parseId } from "../model/ids.ts";
import { encodeMessage, type Message, pushesToFront } from "../model/message.ts";
import { hashTime } from "../model/time.ts";
import {
  parseTaskState,
  type Task,
  taskFromHash,
  type TaskState,
  taskToHash,
} from "../model/task.ts";
import { TypedPipeline } from "../redis/typed_pipeline.ts";
import type { TownKeys } from "./keys.ts";
import { guardedWrite, loadHashes, pick, type WriteOutcome } from "./records.ts";
import { Pipeline } from "../redis/pipeline.ts";
import type { RedisArg } from "../redis/resp.ts";
import { BACKLOG_ONCE, CLAIM_TASK, CREATE_ONCE, TASK_GUARDED_WRITE } from "./scripts.ts";
import { restateTo, unstateTo } from "./task_states.ts";

/** The fields of a task that overviews need. */
export type TaskBrief = Pick<Task, "id" | "state" | "assignedTo" | "description">;

export type ClaimOutcome = "claimed" | "not-in-backlog" | "missing" | "finished";

export class TaskStore {
  constructor(private readonly redis: RedisClient, private readonly keys: TownKeys) {}

  /** Saves a new task and indexes it; with `backlog`, also appends it to the backlog. */
  async create(task: Task, opts: { backlog?: boolean } = {}): Promise<void> {
    await this.createTo(new WriteBatch(this.redis.multi()), task, opts).exec();
  }

  /**
   * Queues `create` in a batch, so a task can be saved together with other writes. In a
   * transaction (or createOnce) the per-state sets change with the record, atomically.
   */
  createTo(batch: WriteBatch, task: Task, opts: { backlog?: boolean } = {}): WriteBatch {
    const p = WriteBatch.queue(batch);
    p.add("HSET", this.keys.task(task.id), ...Object.entries(taskToHash(task).set).flat())
      .add("SADD", this.keys.tasksIndex, task.id);
    restateTo(p, this.keys, task.id, task.state);
    if (opts.backlog) p.add("RPUSH", this.keys.backlog, task.id);
    return batch;
  }

  /**
   * Adds a whole-record write to a pipeline or transaction, as tinytown's `set_task` does
   * (absent optional fields deleted, the rest set), creating the record when missing.
   */
  saveTo(batch: WriteBatch, task: Task): WriteBatch {
    const p = WriteBatch.queue(batch);
    const { set, del } = taskToHash(task);
    if (del.length) p.add("HDEL", this.keys.task(task.id), ...del);
    p.add("HSET", this.keys.task(task.id), ...Object.entries(set).flat())
      .add("SADD", this.keys.tasksIndex, task.id);
    restateTo(p, this.keys, task.id, task.state);
    return batch;
  }

  async save(task: Task): Promise<void> {
    await this.saveTo(new WriteBatch(this.redis.multi()), task).exec();
  }

  async get(id: string): Promise<Task | undefined> {
    return taskFromHash(await this.redis.hgetall(this.keys.task(id)));
  }

  /** Reads a task by full id or 4+ character id prefix; unknown -> TaskNotFoundError. */
  async find(ref: string): Promise<Task> {
    const trimmed = ref.trim();
    const id = parseId(trimmed);
    if (id) {
      const task = await this.get(id);
      if (!task) throw new TaskNotFoundError(ref);
      return task;
    }
    if (!/^[0-9a-f-]{4,35}$/i.test(trimmed)) {
      throw new TaskNotFoundError(ref, `task not found: '${ref}' is not a task id`);
    }
    const prefix = trimmed.toLowerCase();
    const ids = (await this.redis.smembers(this.keys.tasksIndex)).filter((t) =>
      t.startsWith(prefix)
    );
    if (ids.length === 0) throw new TaskNotFoundError(ref);
    if (ids.length > 1) {
      throw new TtError(
        `task id '${ref}' is ambiguous: ${ids.length} tasks start with it; use more characters`,
      );
    }
    const task = await this.get(ids[0]);
    if (!task) throw new TaskNotFoundError(ref);
    return task;
  }

  /** Several tasks in one round trip, in order; undefined where a record is missing or bad. */
  async getMany(ids: readonly string[]): Promise<(Task | undefined)[]> {
    const records = await loadHashes(this.redis, ids.map((id) => this.keys.task(id)));
    return records.map((rec) => {
      try {
        return taskFromHash(rec);
      } catch {
        return undefined;
      }
    });
  }

  /** Every task of the town, oldest first. */
  async list(): Promise<Task[]> {
    const ids = await this.redis.smembers(this.keys.tasksIndex);
    const records = await loadHashes(this.redis, ids.map((id) => this.keys.task(id)));
    const tasks: Task[] = [];
    const stale: string[] = [];
    records.forEach((rec, i) => {
      try {
        const task = taskFromHash(rec);
        if (task) tasks.push(task);
        else stale.push(ids[i]);
      } catch {
        stale.push(ids[i]);
      }
    });
    if (stale.length) {
      const tx = this.redis.multi().add("SREM", this.keys.tasksIndex, ...stale);
      for (const id of stale) unstateTo(tx, this.keys, id);
      await tx.exec();
    }
    return tasks.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /**
   * Every task's id, state, assignee and description: what overviews need, at a fraction of
   * the cost of whole records (HMGET of four fields instead of HGETALL).
   */
  async listBrief(): Promise<TaskBrief[]> {
    const ids = await this.redis.smembers(this.keys.tasksIndex);
    const chunks: Promise<(string | null)[][]>[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const p = new TypedPipeline(this.redis.pipeline());
      const replies = ids.slice(i, i + 1000).map((id) =>
        p.hmget(this.keys.task(id), "state", "assigned_to", "description", "created_at")
      );
      chunks.push(p.exec().then(() => replies.map((r) => r.value)));
    }
    const rows = (await Promise.all(chunks)).flat();
    const out: (TaskBrief & { created: string })[] = [];
    rows.forEach(([state, assignedTo, description, created], i) => {
      if (state === null && description === null) return; // record gone; list() prunes the index
      out.push({
        id: ids[i],
        state: (state === null ? undefined : parseTaskState(state)) ?? "pending",
        ...(assignedTo ? { assignedTo } : {}),
        description: description ?? "",
        created: created ?? "",
      });
    });
    // Same-format RFC 3339 strings sort in time order.
    out.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
    return out.map(({ created: _, ...brief }) => brief);
  }

  /** Writes the given properties; with `allowed`, only while the stored state is one of them. */
  update(
    task: Task,
    props: readonly (keyof Task)[],
    allowed: readonly TaskState[] = [],
  ): Promise<WriteOutcome> {
    return guardedWrite(
      this.redis,
      this.keys.task(task.id),
      pick(taskToHash(task), props),
      allowed,
      // The task's id moves to the set of its new state in the same script.
      { script: TASK_GUARDED_WRITE, keys: this.keys.taskStates, args: [task.id] },
    );
  }

  async delete(id: string): Promise<void> {
    const tx = this.redis.multi()
      .add("DEL", this.keys.task(id))
      .add("SREM", this.keys.tasksIndex, id)
      .add("LREM", this.keys.backlog, 0, id);
    unstateTo(tx, this.keys, id);
    await tx.exec();
  }

  /** Backlog task ids in order. */
  async backlogIds(): Promise<string[]> {
    return (await this.redis.lrange(this.keys.backlog, 0, -1)).filter((id) => parseId(id));
  }

  /** Appends task ids to the backlog (ids only; the records are separate). */
  async backlogPush(...ids: string[]): Promise<number> {
    return await this.redis.rpush(this.keys.backlog, ...ids);
  }

  /** Takes the first backlog id (FIFO); undefined when the backlog is empty. */
  async backlogPop(): Promise<string | undefined> {
    return (await this.redis.lpop(this.keys.backlog)) ?? undefined;
  }

  /**
   * Runs the writes `queue` puts in its batch (the task's creation, its message, its event)
   * only while the task's hash does not exist: of two creators at once, one writes. True when
   * this one did.
   */
  async createOnce(taskId: string, queue: (batch: WriteBatch) => void): Promise<boolean> {
    const queued: RedisArg[] = [];
    const capture = new Pipeline((cmds) => {
      for (const cmd of cmds) queued.push(cmd.length, ...cmd);
      return Promise.resolve([]);
    });
    const batch = new WriteBatch(capture);
    queue(batch);
    await batch.exec();
    return (await this.redis.evalScript(CREATE_ONCE, [this.keys.task(taskId)], queued)) === 1;
  }

  /** Appends the task to the backlog unless it is there or no longer pending; true when added. */
  async backlogPushIfPending(taskId: string): Promise<boolean> {
    const keys = [this.keys.backlog, this.keys.task(taskId)];
    return (await this.redis.evalScript(BACKLOG_ONCE, keys, [taskId])) === 1;
  }

  /** Removes every occurrence of the id from the backlog; how many there were. */
  async backlogRemoveAll(id: string): Promise<number> {
    return await this.redis.lrem(this.keys.backlog, 0, id);
  }

  /** Removes one occurrence of the id from the backlog; true when it was there. */
  async backlogRemove(id: string): Promise<boolean> {
    return (await this.redis.lrem(this.keys.backlog, 1, id)) > 0;
  }

  async backlogLength(): Promise<number> {
    return await this.redis.llen(this.keys.backlog);
  }

  /**
   * Atomically takes a task out of the backlog and assigns it: one winner among claimers.
   * `message` (the task_assign for the agent) is delivered in the same atomic step.
   */
  async claim(taskId: string, agentId: string, message?: Message): Promise<ClaimOutcome> {
    const keys = [this.keys.backlog, this.keys.task(taskId), ...this.keys.taskStates];
    const args: string[] = [taskId, agentId, hashTime(new Date())];
    if (message) {
      keys.push(this.keys.inbox(message.to));
      args.push(encodeMessage(message), pushesToFront(message.priority) ? "front" : "back");
    }
    const r = await this.redis.evalScript(CLAIM_TASK, keys, args);
    return r === 1 ? "claimed" : r === 0 ? "not-in-backlog" : r === -2 ? "finished" : "missing";
  }
}
