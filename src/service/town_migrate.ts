/**
 * `tt migrate`: brings data written by older tinytown versions (or by tinytown at all) into
 * the layout tt reads. The key layout is the store's business (src/store/migration.ts); this
 * is the operation the faces call.
 */
import {
  type KeyMove,
  migrationNeeded,
  type MigrationPlan,
  type MigrationResult,
} from "../store/migration.ts";
import type { Store } from "../store/store.ts";

export type { KeyMove, MigrationPlan, MigrationResult };
export { migrationNeeded };

/** What a migration would do; changes nothing. */
export function planMigration(store: Store, town: string): Promise<MigrationPlan> {
  return store.migration.plan(town);
}

/** Runs the migration; each key is handled on its own, so one bad key does not stop the rest. */
export function migrate(store: Store, town: string): Promise<MigrationResult> {
  return store.migration.run(town);
}
