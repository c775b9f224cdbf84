/** @module Server-side re-pricing: `pricing_rates` (seeded from shared/pricing, with effective dates) → PriceTable → costOf. */
import type { Sql } from "../db/pool.ts";
import { costOf, type PriceRow, type PriceTable } from "../../shared/pricing/mod.ts";
import type { ProviderId, RequestRow, Usage } from "../../shared/schemas/mod.ts";

/** Inserts every row of `table` into `pricing_rates` (existing (provider, model, effective_from) kept). */
export async function seedPricingRates(sql: Sql, table: PriceTable): Promise<number> {
  const rows = [...Object.values(table.overrides), ...table.rows];
  if (rows.length === 0) return 0;
  const r =
    await sql`INSERT INTO pricing_rates (provider, model, effective_from, pricing_version, rate)
    SELECT p, m, e::timestamptz, ${table.version}, r::jsonb FROM unnest(
      ${sql.array(rows.map((x) => x.provider), 25)}::text[],
      ${sql.array(rows.map((x) => x.model), 25)}::text[],
      ${sql.array(rows.map((x) => x.effective_from), 25)}::text[],
      ${sql.array(rows.map((x) => JSON.stringify(x)), 25)}::text[]) AS t(p, m, e, r)
    ON CONFLICT (provider, model, effective_from) DO NOTHING`;
  return r.count;
}

/** Reads `pricing_rates` into a PriceTable (version = newest pricing_version seen). */
export async function loadPriceTable(sql: Sql): Promise<PriceTable> {
  const rows = await sql<{ rate: PriceRow; effective_from: Date; pricing_version: string }[]>`
    SELECT rate, effective_from, pricing_version FROM pricing_rates ORDER BY provider, model, effective_from`;
  let version = "none";
  const priceRows: PriceRow[] = rows.map((r) => {
    if (r.pricing_version > version || version === "none") version = r.pricing_version;
    const rate = typeof r.rate === "string" ? JSON.parse(r.rate) as PriceRow : r.rate;
    return { ...rate, effective_from: r.effective_from.toISOString().slice(0, 10) };
  });
  return Object.freeze({
    version: `server:${version}`,
    rows: Object.freeze(priceRows),
    overrides: {},
  });
}

/** Caches the PriceTable built from `pricing_rates`, reloading after `ttlMs`. */
export class PricingCatalog {
  #table: PriceTable | null = null;
  #loadedAt = 0;
  constructor(
    private readonly sql: Sql,
    private readonly now: () => Date,
    private readonly ttlMs = 60_000,
  ) {}

  /** The current table (reloaded from the database when stale). */
  async table(): Promise<PriceTable> {
    const t = this.now().getTime();
    if (!this.#table || t - this.#loadedAt > this.ttlMs || t < this.#loadedAt) {
      this.#table = await loadPriceTable(this.sql);
      this.#loadedAt = t;
    }
    return this.#table;
  }

  /** Forgets the cached table (after editing pricing_rates). */
  invalidate(): void {
    this.#table = null;
  }
}

/** The normalised usage of a wire row, for costOf. */
export function usageOfRow(row: RequestRow): Usage {
  const anyCount = row.prompt_tokens !== null || row.completion_tokens !== null;
  return {
    provider: row.provider as ProviderId,
    model: row.model,
    requested_model: row.requested_model ?? null,
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
    cache_read_tokens: row.cache_read_tokens,
    cache_write_tokens: row.cache_write_tokens,
    cache_write_5m_tokens: row.cache_write_5m_tokens ?? null,
    cache_write_1h_tokens: row.cache_write_1h_tokens ?? null,
    reasoning_tokens: row.reasoning_tokens ?? null,
    web_search_requests: row.web_search_requests ?? null,
    provider_request_id: row.provider_request_id ?? null,
    usage_status: row.usage_status ?? (anyCount ? "ok" : "missing"),
    operation: null,
    stream: false,
    batch: row.batch ?? false,
    // Only path-known free operations are not billed (the wire row carries no billable flag).
    billable: !/\/count_tokens$|:countTokens$/.test(row.path.split("?")[0]),
    service_tier: row.service_tier ?? null,
    inference_geo: null,
    speed: null,
    error: null,
  };
}

/** The server's authoritative price of one row: millicents or null (unpriced), and the version. */
export function repriceRow(
  row: RequestRow,
  table: PriceTable,
): { cost: number | null; version: string } {
  const r = costOf(usageOfRow(row), table, new Date(row.timestamp));
  return { cost: r.priced ? r.cost_usd_millicents : null, version: r.pricing_version };
}
