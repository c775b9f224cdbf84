/** @module `POST /v1/reconciliation/daemon-totals`: the daemon's own per-day totals, for drift checks. */
import { z } from "zod";

/** One day × provider × model total as the daemon computed it. */
export const DaemonTotalsDay = z.object({
  date: z.iso.date(),
  provider: z.string().min(1).max(64),
  /** null when the provider reported no model. */
  model: z.string().max(200).nullable(),
  cost_usd_millicents: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
});
/** A day total. */
export type DaemonTotalsDay = z.infer<typeof DaemonTotalsDay>;

/** Request body; upserted per (device, date, provider, model). */
export const DaemonTotalsRequest = z.object({
  days: z.array(DaemonTotalsDay).max(10_000),
});
/** Daemon totals request. */
export type DaemonTotalsRequest = z.infer<typeof DaemonTotalsRequest>;

/** Answer (200): how many day rows were upserted. */
export const DaemonTotalsResponse = z.object({ upserted: z.number().int().nonnegative() });
/** Daemon totals response. */
export type DaemonTotalsResponse = z.infer<typeof DaemonTotalsResponse>;

/** Query of `GET /v1/workspaces/{ws}/reconciliation`: UTC days, both ends included. */
export const DriftQuery = z.object({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
});
/** Drift query. */
export type DriftQuery = z.infer<typeof DriftQuery>;

/**
 * One device × day × provider × model: what the server stored and re-priced against what the
 * daemon reported in its totals. `*_delta` = server − daemon (null when a side is missing).
 */
export const DriftRow = z.object({
  device_id: z.uuid(),
  hostname: z.string(),
  date: z.string(),
  provider: z.string(),
  model: z.string(),
  server_rows: z.number().int(),
  server_cost_usd_millicents: z.number().int(),
  server_unpriced_rows: z.number().int(),
  daemon_rows: z.number().int().nullable(),
  daemon_cost_usd_millicents: z.number().int().nullable(),
  rows_delta: z.number().int().nullable(),
  cost_delta_usd_millicents: z.number().int().nullable(),
});
/** A drift row. */
export type DriftRow = z.infer<typeof DriftRow>;

/** `GET /v1/workspaces/{ws}/reconciliation`. */
export const DriftResponse = z.object({
  from: z.string(),
  to: z.string(),
  rows: z.array(DriftRow),
});
/** Drift response. */
export type DriftResponse = z.infer<typeof DriftResponse>;
