/**
 * @module The price table: the bundled rows, lookup by provider + model + date (aliases, snapshot
 * patterns, `models/` prefixes), and user overrides from config.toml.
 */
import { err, ok, type Result } from "../result.ts";
import { ProviderId } from "../schemas/usage.ts";
import { PRICE_ROWS, PRICES_VERSION } from "./prices.ts";
import type { PriceRow, PriceTable } from "./types.ts";

/** A user override as written in `[pricing.overrides."provider/model"]` (USD per million tokens). */
export interface PriceOverrideInput {
  input_per_mtok_usd: number;
  output_per_mtok_usd: number;
  cache_read_per_mtok_usd?: number;
  cache_write_per_mtok_usd?: number;
  cache_write_1h_per_mtok_usd?: number;
}

const DEFAULT_TABLE: PriceTable = Object.freeze({
  version: PRICES_VERSION,
  rows: PRICE_ROWS,
  overrides: Object.freeze({}),
});

/** The bundled table (no network, works offline and compiled). */
export function defaultPriceTable(): PriceTable {
  return DEFAULT_TABLE;
}

/** Every bundled row as plain data (for the server's `pricing_rates` seed and `pricing list`). */
export function priceRows(table: PriceTable = DEFAULT_TABLE): PriceRow[] {
  return [...Object.values(table.overrides), ...table.rows].map((r) => structuredClone(r));
}

interface Index {
  exact: Map<string, PriceRow[]>;
  patterns: { re: RegExp; row: PriceRow }[];
}
const indexes = new WeakMap<readonly PriceRow[], Index>();

function indexOf(rows: readonly PriceRow[]): Index {
  let idx = indexes.get(rows);
  if (idx) return idx;
  idx = { exact: new Map(), patterns: [] };
  for (const row of rows) {
    for (const name of [row.model, ...row.aliases]) {
      const key = `${row.provider}/${name.toLowerCase()}`;
      const list = idx.exact.get(key) ?? [];
      list.push(row);
      idx.exact.set(key, list);
    }
    for (const p of row.patterns) idx.patterns.push({ re: new RegExp(p, "i"), row });
  }
  indexes.set(rows, idx);
  return idx;
}

/** Normalises a model name for lookup: lower case, without `models/` or `<provider>/` prefixes. */
export function normaliseModel(provider: string, model: string): string {
  let m = model.trim().toLowerCase();
  m = m.replace(/^(models|tunedmodels)\//, "");
  if (m.startsWith(provider + "/")) m = m.slice(provider.length + 1);
  return m;
}

function newestAt(rows: PriceRow[], at: Date): PriceRow | null {
  const day = at.toISOString().slice(0, 10);
  let best: PriceRow | null = null;
  for (const r of rows) {
    if (r.effective_from <= day && (best === null || r.effective_from > best.effective_from)) {
      best = r;
    }
  }
  return best;
}

/**
 * The row pricing `model` of `provider` at time `at`: a user override first, then an exact name or
 * alias, then a snapshot pattern; among rows of the same model the newest effective_from ≤ at wins.
 */
export function findPrice(
  table: PriceTable,
  provider: string,
  model: string,
  at: Date,
): PriceRow | null {
  const m = normaliseModel(provider, model);
  if (!m) return null;
  const o = table.overrides[`${provider}/${m}`];
  if (o) return o;
  const idx = indexOf(table.rows);
  const exact = idx.exact.get(`${provider}/${m}`);
  if (exact) return newestAt(exact, at);
  const byPattern = idx.patterns.filter((p) => p.row.provider === provider && p.re.test(m)).map((
    p,
  ) => p.row);
  return byPattern.length ? newestAt(byPattern, at) : null;
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

const PRICE_FIELDS = [
  "input_per_mtok_usd",
  "output_per_mtok_usd",
  "cache_read_per_mtok_usd",
  "cache_write_per_mtok_usd",
  "cache_write_1h_per_mtok_usd",
] as const;

/**
 * Applies `[pricing.overrides."provider/model"]`. Overrides win over every bundled row and date;
 * they keep the bundled row's fees and multipliers but not its long-context tier.
 * The version gains a `+o.<hash>` suffix so rows show that overrides priced them.
 */
export function withOverrides(
  table: PriceTable,
  overrides: Readonly<Record<string, PriceOverrideInput>> | undefined,
): Result<PriceTable, string> {
  const entries = Object.entries(overrides ?? {});
  if (entries.length === 0) return ok(table);
  const out: Record<string, PriceRow> = { ...table.overrides };
  const today = new Date().toISOString().slice(0, 10);
  for (const [key, o] of entries) {
    const where = `Invalid [pricing.overrides."${key}"]`;
    const slash = key.indexOf("/");
    const provider = slash > 0 ? key.slice(0, slash) : "";
    const model = slash > 0 ? normaliseModel(provider, key.slice(slash + 1)) : "";
    if (!provider || !model) return err(`${where}: key must be "provider/model"`);
    if (!ProviderId.safeParse(provider).success) {
      return err(
        `${where}: unknown provider "${provider}" (expected one of ${
          ProviderId.options.join(", ")
        })`,
      );
    }
    if (o === null || typeof o !== "object") return err(`${where}: must be a table of prices`);
    for (const f of PRICE_FIELDS) {
      const v = (o as unknown as Record<string, unknown>)[f];
      const required = f === "input_per_mtok_usd" || f === "output_per_mtok_usd";
      if (v === undefined && !required) continue;
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1_000_000) {
        return err(
          `${where}: ${f} must be a number between 0 and 1000000 (USD per million tokens)`,
        );
      }
    }
    const unknown = Object.keys(o).filter((k) => !(PRICE_FIELDS as readonly string[]).includes(k));
    if (unknown.length) return err(`${where}: unknown key "${unknown[0]}"`);
    const base = findPrice({ ...table, overrides: {} }, provider, model, new Date());
    out[`${provider}/${model}`] = {
      provider,
      model,
      aliases: [],
      patterns: [],
      effective_from: "1970-01-01",
      mode: base?.mode ?? "chat",
      input: o.input_per_mtok_usd,
      output: o.output_per_mtok_usd,
      cache_read: o.cache_read_per_mtok_usd ?? null,
      cache_write_5m: o.cache_write_per_mtok_usd ?? null,
      cache_write_1h: o.cache_write_1h_per_mtok_usd ?? null,
      long_context: null,
      fees: base?.fees ?? { web_search_per_query_usd: null },
      service_tiers: { batch: null, flex: null, priority: null },
      multipliers: base?.multipliers ?? { inference_geo_us: null, fast: null },
      deprecation_date: null,
      source: "config.toml [pricing.overrides]",
      source_date: today,
      cross_check: null,
      notes: base ? `Overrides the bundled row ${base.provider}/${base.model}` : null,
    };
  }
  const canon = JSON.stringify(entries.sort(([a], [b]) => a.localeCompare(b)));
  return ok({ version: `${table.version}+o.${fnv1a(canon)}`, rows: table.rows, overrides: out });
}
