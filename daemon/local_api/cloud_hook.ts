/**
 * @module The cloud summary `status` shows, read from the cloud module's state in SQLite (the
 * worker persists every state change there). Never throws.
 */
import type { Config } from "../config.ts";
import type { HomePaths } from "../home.ts";
import { Store } from "../store/store.ts";
import { computeStatus } from "../cloud/status.ts";

/** The cloud line of `halton-meter status`. */
export interface CloudSummary {
  /** ACTIVE | DEGRADED | PAUSED | NOT-CONFIGURED */
  state: string;
  [detail: string]: unknown;
}

/** Summarises the cloud state for `status`: state, pause reason, last sync, backlog, last error. */
export function cloudStatusSummary(paths: HomePaths, config: Config): Promise<CloudSummary> {
  let store: Store | null = null;
  try {
    store = Store.open(paths.db);
    const s = computeStatus(store, config.cloud, null);
    return Promise.resolve({
      state: s.state,
      paused_reason: s.paused_reason,
      workspace: s.workspace?.slug ?? null,
      last_sync_at: s.last_sync_at,
      unsynced_rows: s.unsynced_rows,
      last_error: s.last_error,
    });
  } catch (e) {
    return Promise.resolve({ state: "NOT-CONFIGURED", last_error: (e as Error).message });
  } finally {
    store?.close();
  }
}
