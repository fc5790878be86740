/**
 * One mission loaded for a change: its record, work items and watches, with the changes and
 * log lines collected and written back in one round trip by `flush` (whole-record writes, as
 * the reference does; last writer wins).
 */
import type { ControlMessage, MissionRun, WatchItem, WorkItem } from "../model/mission.ts";
import type { MissionSnapshot } from "../store/missions.ts";
import type { Store } from "../store/store.ts";

export class WorkingSet {
  mission: MissionRun;
  readonly items = new Map<string, WorkItem>();
  readonly watches = new Map<string, WatchItem>();
  /** Control notes as loaded, oldest first. */
  readonly controls: ControlMessage[];
  #dirtyItems = new Set<string>();
  #dirtyWatches = new Set<string>();
  #missionDirty = false;
  #logs: string[] = [];
  #active: boolean | undefined;

  constructor(snapshot: MissionSnapshot) {
    this.mission = snapshot.mission;
    this.controls = snapshot.controls;
    for (const w of snapshot.items) this.items.set(w.id, w);
    for (const w of snapshot.watches) this.watches.set(w.id, w);
  }

  static async load(store: Store, id: string): Promise<WorkingSet | undefined> {
    const [snap] = await store.missions.snapshots([id]);
    return snap ? new WorkingSet(snap) : undefined;
  }

  get id(): string {
    return this.mission.id;
  }

  setMission(m: MissionRun): void {
    this.mission = m;
    this.#missionDirty = true;
  }

  setItem(w: WorkItem): void {
    this.items.set(w.id, w);
    this.#dirtyItems.add(w.id);
  }

  setWatch(w: WatchItem): void {
    this.watches.set(w.id, w);
    this.#dirtyWatches.add(w.id);
  }

  watchesOf(itemId: string): WatchItem[] {
    return [...this.watches.values()].filter((w) => w.work_item_id === itemId);
  }

  setActive(active: boolean): void {
    this.#active = active;
  }

  log(text: string): void {
    this.#logs.push(text);
  }

  /** Log lines not yet written (the caller's report). */
  get pendingLogs(): readonly string[] {
    return this.#logs;
  }

  get dirty(): boolean {
    return this.#missionDirty || this.#dirtyItems.size > 0 || this.#dirtyWatches.size > 0 ||
      this.#logs.length > 0 || this.#active !== undefined;
  }

  async flush(store: Store): Promise<void> {
    if (!this.dirty) return;
    await store.missions.write({
      mission: this.#missionDirty ? this.mission : undefined,
      items: [...this.#dirtyItems].map((id) => this.items.get(id)!),
      watches: [...this.#dirtyWatches].map((id) => this.watches.get(id)!),
      logs: this.#logs.map((text) => ({ missionId: this.id, text })),
      active: this.#active === undefined ? undefined : { id: this.id, add: this.#active },
    });
    this.#dirtyItems.clear();
    this.#dirtyWatches.clear();
    this.#missionDirty = false;
    this.#logs = [];
    this.#active = undefined;
  }
}
