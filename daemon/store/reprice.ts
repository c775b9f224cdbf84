/**
 * @module Re-pricing queries: the only place the SQL of `halton-meter reprice` lives. Reads rows
 * (with the usage fields the cost function needs) and writes back cost, priced and pricing_version
 * in one transaction.
 */
import type { Usage } from "../../shared/schemas/usage.ts";
import { ProviderId, UsageStatus } from "../../shared/schemas/usage.ts";
import type { Store } from "./store.ts";

/** A stored row as the cost function sees it, plus its current cost. */
export interface RepriceRow {
  request_id: string;
  timestamp: string;
  usage: Usage;
  cost_usd_millicents: number | null;
  priced: boolean;
  pricing_version: string | null;
}

/** A new cost for one row. */
export interface RepriceUpdate {
  request_id: string;
  cost_usd_millicents: number | null;
  priced: boolean;
  pricing_version: string;
}

const COLS = [
  "request_id",
  "timestamp",
  "provider",
  "model",
  "requested_model",
  "prompt_tokens",
  "completion_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "cache_write_5m_tokens",
  "cache_write_1h_tokens",
  "reasoning_tokens",
  "web_search_requests",
  "usage_status",
  "operation",
  "stream",
  "batch",
  "billable",
  "service_tier",
  "inference_geo",
  "speed",
  "error",
  "provider_request_id",
  "cost_usd_millicents",
  "priced",
  "pricing_version",
];

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const b = (v: unknown): boolean => v === 1 || v === 1n || v === true;

/** Rows of LLM providers with timestamp ≥ since (all rows when since is null), oldest first. */
export function rowsToReprice(store: Store, since: string | null): RepriceRow[] {
  const raws = store.db.prepare(
    `SELECT ${
      COLS.join(", ")
    } FROM requests WHERE provider IS NOT NULL AND timestamp >= ? ORDER BY timestamp`,
  ).all(since ?? "") as Record<string, unknown>[];
  const out: RepriceRow[] = [];
  for (const r of raws) {
    const provider = ProviderId.safeParse(r.provider);
    if (!provider.success) continue;
    const status = UsageStatus.safeParse(r.usage_status);
    out.push({
      request_id: String(r.request_id),
      timestamp: String(r.timestamp),
      cost_usd_millicents: n(r.cost_usd_millicents),
      priced: b(r.priced),
      pricing_version: s(r.pricing_version),
      usage: {
        provider: provider.data,
        model: s(r.model),
        requested_model: s(r.requested_model),
        prompt_tokens: n(r.prompt_tokens),
        completion_tokens: n(r.completion_tokens),
        cache_read_tokens: n(r.cache_read_tokens),
        cache_write_tokens: n(r.cache_write_tokens),
        cache_write_5m_tokens: n(r.cache_write_5m_tokens),
        cache_write_1h_tokens: n(r.cache_write_1h_tokens),
        reasoning_tokens: n(r.reasoning_tokens),
        web_search_requests: n(r.web_search_requests),
        provider_request_id: s(r.provider_request_id),
        usage_status: status.success ? status.data : "unparsed",
        operation: s(r.operation),
        stream: b(r.stream),
        batch: b(r.batch),
        billable: b(r.billable),
        service_tier: s(r.service_tier),
        inference_geo: s(r.inference_geo),
        speed: s(r.speed),
        error: s(r.error),
      },
    });
  }
  return out;
}

/** Writes new costs in one transaction; returns how many rows were updated. */
export function applyReprice(store: Store, updates: RepriceUpdate[]): number {
  if (updates.length === 0) return 0;
  const stmt = store.db.prepare(
    "UPDATE requests SET cost_usd_millicents = ?, priced = ?, pricing_version = ? WHERE request_id = ?",
  );
  let changed = 0;
  store.db.exec("BEGIN IMMEDIATE");
  try {
    for (const u of updates) {
      changed += Number(
        stmt.run(u.cost_usd_millicents, u.priced ? 1 : 0, u.pricing_version, u.request_id).changes,
      );
    }
    store.db.exec("COMMIT");
  } catch (e) {
    store.db.exec("ROLLBACK");
    throw e;
  }
  return changed;
}
