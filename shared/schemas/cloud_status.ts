/**
 * @module `halton-meter cloud status --json` and the daemon's `GET /v1/cloud/state`: the sync
 * worker's state as the CLI and the dashboard see it.
 */
import { z } from "zod";

/** The worker's state. NOT-CONFIGURED means not paired. */
export const CloudState = z.enum(["ACTIVE", "DEGRADED", "PAUSED", "NOT-CONFIGURED"]);
/** A cloud state. */
export type CloudState = z.infer<typeof CloudState>;

/** Why the worker is paused: by hand, token rejected (401), or device removed (403). */
export const PausedReason = z.enum(["paused_manual", "paused_unauthorised", "paused_forbidden"]);
/** A pause reason. */
export type PausedReason = z.infer<typeof PausedReason>;

/** A dashboard- or CLI-driven pairing in flight in the daemon. */
export const CloudPairing = z.object({
  status: z.enum(["pending", "approved", "denied", "expired", "cancelled", "failed"]),
  code: z.string().nullable(),
  approve_url: z.string().nullable(),
  expires_at: z.iso.datetime({ offset: true }).nullable(),
  error: z.string().nullable(),
  workspace_name: z.string().nullable(),
});
/** A pairing in flight. */
export type CloudPairing = z.infer<typeof CloudPairing>;

/** The full status. */
export const CloudStatus = z.object({
  state: CloudState,
  paused_reason: PausedReason.nullable(),
  last_sync_at: z.iso.datetime({ offset: true }).nullable(),
  unsynced_rows: z.number().int().nonnegative(),
  last_reconcile_at: z.iso.datetime({ offset: true }).nullable(),
  last_error: z.string().nullable(),
  /** Consecutive failed attempts (transport errors, 5xx, 429) since the last success. */
  consecutive_failures: z.number().int().nonnegative(),
  workspace: z.object({
    id: z.string(),
    slug: z.string().nullable(),
    name: z.string().nullable(),
    tier: z.string().nullable(),
  }).nullable(),
  machine_id: z.string().nullable(),
  hostname: z.string().nullable(),
  base_url: z.string().nullable(),
  /** Whether the answer came from the running daemon (live worker state) or from disk. */
  daemon_running: z.boolean(),
  privacy_preset: z.enum(["minimal", "standard", "full"]),
  bodies_enabled: z.boolean(),
  /** Rows the worker will never send, by reason (rejected, skipped_project, …). */
  row_marks: z.record(z.string(), z.number().int().nonnegative()),
  pairing: CloudPairing.nullable(),
});
/** A cloud status. */
export type CloudStatus = z.infer<typeof CloudStatus>;

/** `POST /v1/cloud/connect` body on the daemon's local API. */
export const CloudConnectRequest = z.object({
  base_url: z.url().optional(),
  poll_interval_seconds: z.number().positive().max(60).optional(),
  timeout_seconds: z.number().positive().max(3600).optional(),
});
/** Local connect request. */
export type CloudConnectRequest = z.infer<typeof CloudConnectRequest>;
