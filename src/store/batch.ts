/**
 * Writes of several repositories sent together: `store.pipeline()` (one write, no atomicity)
 * or `store.transaction()` (MULTI/EXEC). Repositories queue into a batch with their `...To`
 * methods; code outside the store can only run it, never add raw commands.
 */
import type { Pipeline } from "../redis/pipeline.ts";

export class WriteBatch {
  readonly #pipeline: Pipeline;

  constructor(pipeline: Pipeline) {
    this.#pipeline = pipeline;
  }

  /**
   * Sends the queued writes. As a transaction it is all or nothing for the queueing errors;
   * a command Redis refuses at run time does not fail the others (nor this call).
   */
  async exec(): Promise<void> {
    await this.#pipeline.exec();
  }

  /** Sends the queued writes; throws the first error reply instead of passing over it. */
  async execOrThrow(): Promise<void> {
    await this.#pipeline.execOrThrow();
  }

  /** For the store's repositories only: the pipeline to queue commands on. */
  static queue(batch: WriteBatch): Pipeline {
    return batch.#pipeline;
  }
}
