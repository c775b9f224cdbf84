/**
 * @module `cloud reconcile`: re-costs local rows with the current pricing table, then pushes the
 * daemon's per-day totals to `POST /v1/reconciliation/daemon-totals` so drift can be audited.
 */
import type { Config } from "../config.ts";
import type { Store } from "../store/store.ts";
import type { StoredRow } from "../store/store.ts";
import { daemonTotals, patchCloudState, rowsSince, updateRowCosts } from "../store/cloud.ts";
import { costOf, defaultPriceTable, type PriceTable, withOverrides } from "../../shared/pricing/mod.ts";
import type { Usage } from "../../shared/schemas/usage.ts";
import { ProviderId, UsageStatus } from "../../shared/schemas/usage.ts";
import { err, ok, type Result } from "../../shared/result.ts";
import { type ApiFailure, type CloudClient } from "./client.ts";
import { compilePolicy } from "./privacy.ts";

/** Rebuilds the normalised usage of a stored row (for re-pricing). */
export function usageOfRow(r: StoredRow): Usage | null {
  const provider = ProviderId.safeParse(r.provider);
  if (!provider.success) return null;
  const status = UsageStatus.safeParse(r.usage_status ?? "missing");
  return {
    provider: provider.data,
    model: r.model,
    requested_model: r.requested_model,
    prompt_tokens: r.prompt_tokens,
    completion_tokens: r.completion_tokens,
    cache_read_tokens: r.cache_read_tokens,
    cache_write_tokens: r.cache_write_tokens,
    cache_write_5m_tokens: r.cache_write_5m_tokens,
    cache_write_1h_tokens: r.cache_write_1h_tokens,
    reasoning_tokens: r.reasoning_tokens,
    web_search_requests: r.web_search_requests,
    provider_request_id: r.provider_request_id,
    usage_status: status.success ? status.data : "unparsed",
    operation: r.operation,
    stream: r.stream,
    batch: r.batch,
    billable: r.billable,
    service_tier: r.service_tier,
    inference_geo: r.inference_geo,
    speed: r.speed,
    error: r.error,
  };
}

/** The price table the daemon uses: bundled, with the config's overrides. */
export function currentPriceTable(config: Config): Result<PriceTable, string> {
  return withOverrides(defaultPriceTable(), config.pricing.overrides);
}

/** Re-costs rows since `since`; returns rows seen and rows whose cost changed. */
export function repriceSince(store: Store, since: string, table: PriceTable): { rows: number; changed: number } {
  const rows = rowsSince(store, since);
  const costs = [];
  for (const r of rows) {
    const u = usageOfRow(r);
    if (!u) continue;
    const c = costOf(u, table, new Date(r.timestamp));
    costs.push({
      request_id: r.request_id,
      cost_usd_millicents: c.cost_usd_millicents,
      priced: c.priced,
      pricing_version: c.pricing_version,
    });
  }
  return { rows: rows.length, changed: updateRowCosts(store, costs) };
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
  return ok({ rows: rp.rows, changed: rp.changed, days: totals.length, upserted: r.value.upserted });
}
