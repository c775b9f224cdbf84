/** @module Price table types: plain data rows (USD per million tokens) shared by daemon and server. */

/** Prices per token class, USD per million tokens; null = no separate price (falls back, see cost.ts). */
export interface ClassPrices {
  input: number;
  output: number;
  cache_read: number | null;
  /** Cache write with the default (5 minute) TTL; also OpenAI's cache write price. */
  cache_write_5m: number | null;
  cache_write_1h: number | null;
}

/** A long-context tier: above this many input tokens the WHOLE request uses these prices. */
export interface LongContextTier extends ClassPrices {
  /** Strictly above this prompt size (prompt_tokens, cache reads and writes included). */
  above_input_tokens: number;
}

/** Prices of a service tier (batch, flex, priority); null classes scale with the input ratio. */
export interface TierPrices {
  input: number;
  output: number | null;
  cache_read: number | null;
}

/** One price row of one model for one period. Exported as-is for the server's `pricing_rates`. */
export interface PriceRow extends ClassPrices {
  provider: string;
  model: string;
  /** Exact other names (snapshots, `-latest`, ...). */
  aliases: string[];
  /** Regular expressions (source strings, anchored) matching dated snapshot names. */
  patterns: string[];
  /** ISO date; the newest row whose effective_from ≤ request time applies. */
  effective_from: string;
  /** "chat" | "responses" | "embedding". */
  mode: string;
  long_context: LongContextTier | null;
  fees: { web_search_per_query_usd: number | null };
  service_tiers: { batch: TierPrices | null; flex: TierPrices | null; priority: TierPrices | null };
  /** Anthropic multipliers on every token class: usage.inference_geo == "us", usage.speed == "fast". */
  multipliers: { inference_geo_us: number | null; fast: number | null };
  deprecation_date: string | null;
  source: string;
  /** Date the source was taken. */
  source_date: string;
  cross_check: string | null;
  notes: string | null;
}

/** A price table: versioned rows plus user overrides (which win over every bundled row). */
export interface PriceTable {
  version: string;
  rows: readonly PriceRow[];
  /** Keyed "provider/model" (lower case). */
  overrides: Readonly<Record<string, PriceRow>>;
}

/** One line of a cost breakdown. */
export interface CostLine {
  /** input | cache_read | cache_write_5m | cache_write_1h | output | web_search */
  token_class: string;
  /** Tokens (or, for fees, requests). */
  tokens: number;
  /** Effective price after tier and modifiers, USD per million tokens (fees: per million requests). */
  usd_per_mtok: number;
  /** Exact millicents of this line as a decimal string (before the single rounding). */
  millicents_exact: string;
}

/** The cost of one request. */
export interface CostResult {
  cost_usd_millicents: number | null;
  priced: boolean;
  pricing_version: string;
  breakdown: CostLine[] | null;
}
