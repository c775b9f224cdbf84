/**
 * @module Builds `CloudStatus` (the `cloud status --json` shape) from SQLite and the config, with
 * the live worker state laid over it when the daemon answers.
 */
import type { Config } from "../config.ts";
import type { Store } from "../store/store.ts";
import { getCloudState, outboxCount, rowMarkCounts } from "../store/cloud.ts";
import type { CloudPairing, CloudState, CloudStatus } from "../../shared/schemas/cloud_status.ts";

/** What only the running daemon knows. */
export interface LiveStatus {
  state: CloudState;
  pairing: CloudPairing | null;
}

/** The status of a machine that is not paired (also when no database exists yet). */
export function notConfiguredStatus(
  cloud: Config["cloud"],
  base: Pick<
    CloudStatus,
    | "unsynced_rows"
    | "daemon_running"
    | "privacy_preset"
    | "bodies_enabled"
    | "row_marks"
    | "pairing"
  >,
): CloudStatus {
  return {
    ...base,
    state: "NOT-CONFIGURED",
    paused_reason: null,
    last_sync_at: null,
    last_reconcile_at: null,
    last_error: null,
    consecutive_failures: 0,
    workspace: null,
    machine_id: null,
    hostname: null,
    base_url: cloud.base_url ?? null,
  };
}

/** The status from the store and config; `live` (from the daemon) wins for the state. */
export function computeStatus(
  store: Store,
  cloud: Config["cloud"],
  live: LiveStatus | null,
): CloudStatus {
  const st = getCloudState(store);
  const base = {
    unsynced_rows: outboxCount(store),
    daemon_running: live !== null,
    privacy_preset: cloud.privacy.preset,
    bodies_enabled: cloud.bodies.enabled,
    row_marks: rowMarkCounts(store),
    pairing: live?.pairing ?? null,
  };
  if (!st) return notConfiguredStatus(cloud, base);
  let state: CloudState = st.paused_reason
    ? "PAUSED"
    : live && live.state !== "NOT-CONFIGURED"
    ? live.state
    : st.consecutive_failures > 0
    ? "DEGRADED"
    : st.state === "DEGRADED" || st.state === "ACTIVE"
    ? st.state as CloudState
    : "ACTIVE";
  if (live && live.state === "PAUSED" && !st.paused_reason) state = "ACTIVE"; // resumed, worker not yet ticked
  return {
    ...base,
    state,
    paused_reason: st.paused_reason,
    last_sync_at: st.last_sync_at,
    last_reconcile_at: st.last_reconcile_at,
    last_error: st.last_error,
    consecutive_failures: st.consecutive_failures,
    ...pairingIdentity(st),
  };
}

/** Who this machine is paired as: the workspace, machine id, hostname snapshot and base URL. */
export function pairingIdentity(st: NonNullable<ReturnType<typeof getCloudState>>): Pick<
  CloudStatus,
  "workspace" | "machine_id" | "hostname" | "base_url"
> {
  return {
    workspace: {
      id: st.workspace_id,
      slug: st.workspace_slug,
      name: st.workspace_name,
      tier: st.workspace_tier,
    },
    machine_id: st.machine_id,
    hostname: st.hostname,
    base_url: st.base_url,
  };
}
