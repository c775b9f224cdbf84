/**
 * @module `cloud reconcile`: re-costs local rows with the current pricing table, then pushes the
 * daemon's per-day totals to `POST /v1/reconciliation/daemon-totals` so drift can be audited.
 */
import type { Config } from "../config.ts";
import type { Store } from "../store/store.ts";
import { daemonTotals, patchCloudState } from "../store/cloud.ts";
import { applyReprice, rowsToReprice } from "../store/reprice.ts";
import {
  costOf,
  defaultPriceTable,
  type PriceTable,
  withOverrides,
} from "../../shared/pricing/mod.ts";
import { err, ok, type Result } from "../../shared/result.ts";
import { type ApiFailure, type CloudClient } from "./client.ts";
import { compilePolicy } from "./privacy.ts";

/** The price table the daemon uses: bundled, with the config's overrides. */
export function currentPriceTable(config: Config): Result<PriceTable, string> {
  return withOverrides(defaultPriceTable(), config.pricing.overrides);
}

/**
 * Re-costs rows since `since` with the ADAPTERS engineer's re-pricing queries; returns rows seen
 * and rows whose cost changed.
 */
export function repriceSince(
  store: Store,
  since: string,
  table: PriceTable,
): { rows: number; changed: number } {
  const rows = rowsToReprice(store, since);
  const updates = [];
  for (const r of rows) {
    const c = costOf(r.usage, table, new Date(r.timestamp));
    if (
      c.cost_usd_millicents === r.cost_usd_millicents && c.priced === r.priced &&
      c.pricing_version === r.pricing_version
    ) continue;
    updates.push({
      request_id: r.request_id,
      cost_usd_millicents: c.cost_usd_millicents,
      priced: c.priced,
      pricing_version: c.pricing_version,
    });
  }
  return { rows: rows.length, changed: applyReprice(store, updates) };
}

/** What a reconcile did. */
export interface ReconcileReport {
  rows: number;
  changed: number;
  days: number;
  upserted: number;
}

/** Re-prices the last `days` days and pushes daemon totals. */
export async function reconcile(
  store: Store,
  config: Config,
  client: CloudClient,
  days: number,
  now: Date = new Date(),
): Promise<Result<ReconcileReport, ApiFailure | string>> {
  const table = currentPriceTable(config);
  if (!table.ok) return err(table.error);
  const start = new Date(now.getTime() - days * 86_400_000);
  start.setUTCHours(0, 0, 0, 0);
  const since = start.toISOString();
  const rp = repriceSince(store, since, table.value);
  const policy = compilePolicy(config.cloud);
  const totals = daemonTotals(store, since, (p) => policy.uploadProject(p));
  const r = await client.postDaemonTotals(totals);
  if (!r.ok) return err(r.error);
  patchCloudState(store, { last_reconcile_at: now.toISOString() });
  return ok({
    rows: rp.rows,
    changed: rp.changed,
    days: totals.length,
    upserted: r.value.upserted,
  });
}
