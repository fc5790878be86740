/**
 * RecoveryService for library users: `tt recover` over a library Town, through the service
 * layer (src/service/recovery.ts): agents whose loop died get their unfinished work put back
 * where a new loop finds it.
 */
import * as recovery from "../../service/recovery.ts";
import type { RecoveredAgent } from "../../service/recovery.ts";
import { contextOf } from "../context.ts";
import type { Town } from "../town.ts";

export type { RecoveredAgent };

/** `tt recover`: finds agents whose loop is gone (process or lease) and recovers them. */
export async function recover(town: Town): Promise<RecoveredAgent[]> {
  return (await recovery.recover(contextOf(town))).recovered;
}
