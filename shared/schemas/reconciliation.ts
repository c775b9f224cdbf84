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
