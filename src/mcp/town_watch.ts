/**
 * One live read of the town's event stream shared by every MCP session of a process: each
 * event tells the listeners that the town changed, so subscribed resources can be re-read.
 * The feed is opened with the first listener and closed with the last.
 */
import type { EventFeed } from "../lib/subscriptions.ts";
import type { Town } from "../lib/town.ts";
import type { StoredEvent } from "../store/events.ts";

export type TownListener = (event: StoredEvent) => void;

export class TownWatch {
  readonly #town: Town;
  readonly #listeners = new Set<TownListener>();
  #feed: Promise<EventFeed> | undefined;
  /** Told when the feed fails (Redis gone); listeners stay and a later add reopens it. */
  onError: (err: unknown) => void = () => {};

  constructor(town: Town) {
    this.#town = town;
  }

  /** Starts telling `listener` about events added from now on. */
  async add(listener: TownListener): Promise<void> {
    this.#listeners.add(listener);
    this.#feed ??= this.#open();
    await this.#feed;
  }

  /** Stops telling `listener`; the feed closes with the last listener. */
  async remove(listener: TownListener): Promise<void> {
    this.#listeners.delete(listener);
    if (this.#listeners.size === 0) await this.close();
  }

  async close(): Promise<void> {
    const feed = this.#feed;
    this.#feed = undefined;
    await (await feed?.catch(() => undefined))?.close();
  }

  async #open(): Promise<EventFeed> {
    let feed: EventFeed;
    try {
      feed = await this.#town.channel.watchEvents();
    } catch (err) {
      this.#feed = undefined;
      throw err;
    }
    (async () => {
      try {
        for await (const e of feed) for (const l of [...this.#listeners]) l(e);
      } catch (err) {
        this.onError(err);
      }
      if (this.#feed !== undefined && (await this.#feed.catch(() => undefined)) === feed) {
        this.#feed = undefined;
      }
    })();
    return feed;
  }
}
