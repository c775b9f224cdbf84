/**
 * @module The one cost function. Exact integer arithmetic (BigInt): every line is
 * tokens × (USD/Mtok scaled 10^9) × modifiers, summed exactly, then rounded ONCE per request,
 * half up, to integer millicents.
 *
 * Normalised usage (see shared/schemas/usage.ts): prompt_tokens includes cache reads and writes,
 * so uncached input = prompt − cache_read − cache_write, billed at the input price.
 */
import type { Usage } from "../schemas/usage.ts";
import { divRoundHalfUp, formatScaled, PRICE_DECIMALS, PRICE_SCALE, toScaled } from "./decimal.ts";
import { findPrice } from "./table.ts";
import type {
  ClassPrices,
  CostLine,
  CostResult,
  PriceRow,
  PriceTable,
  TierPrices,
} from "./types.ts";

/** Batch APIs cost half of every token class (matches every batch price in the data). */
export const BATCH_MULTIPLIER = 0.5;

const MULT_SLOTS = 3; // batch, inference_geo, speed: each scaled 10^9 (1 when not applied)
/** Denominator of a line numerator, in millicents: 10^(9 price + 27 multipliers) / 10^5 per USD × 10^6 tok. */
const LINE_DEN = PRICE_SCALE ** BigInt(MULT_SLOTS) * 10n ** 10n;
const LINE_DECIMALS = PRICE_DECIMALS * MULT_SLOTS + 10;

type Class = "input" | "cache_read" | "cache_write_5m" | "cache_write_1h" | "output";
type Scaled = Record<Class, bigint>;

function scaleBy(v: bigint, num: bigint, den: bigint): bigint {
  return den === 0n ? v : (v * num) / den;
}

/** Resolves per-class prices (scaled 10^9) after service tier, long-context tier and fallbacks. */
function classPrices(
  row: PriceRow,
  usage: Usage,
  prompt: number,
): { prices: Scaled; tier: string } {
  const base: ClassPrices = row;
  const baseIn = toScaled(base.input);
  const opt = (v: number | null) => (v === null ? null : toScaled(v));
  let p: Record<Class, bigint | null> = {
    input: baseIn,
    output: toScaled(base.output),
    cache_read: opt(base.cache_read),
    cache_write_5m: opt(base.cache_write_5m),
    cache_write_1h: opt(base.cache_write_1h),
  };
  let tier = "standard";
  const lc = row.long_context;
  const svcName = usage.service_tier === "flex" || usage.service_tier === "priority"
    ? usage.service_tier
    : null;
  const svc: TierPrices | null = svcName ? row.service_tiers[svcName] : null;
  if (lc && prompt > lc.above_input_tokens) {
    // Crossing the threshold reprices the WHOLE request; a class the tier lacks scales with input.
    const lin = toScaled(lc.input);
    const s = (tierV: number | null, baseV: bigint | null) =>
      tierV !== null ? toScaled(tierV) : baseV === null ? null : scaleBy(baseV, lin, baseIn);
    p = {
      input: lin,
      output: s(lc.output, p.output),
      cache_read: s(lc.cache_read, p.cache_read),
      cache_write_5m: s(lc.cache_write_5m, p.cache_write_5m),
      cache_write_1h: s(lc.cache_write_1h, p.cache_write_1h),
    };
    tier = `above_${lc.above_input_tokens}`;
  } else if (svc && svcName) {
    const sin = toScaled(svc.input);
    const s = (v: number | null, baseV: bigint | null) =>
      v !== null ? toScaled(v) : baseV === null ? null : scaleBy(baseV, sin, baseIn);
    p = {
      input: sin,
      output: s(svc.output, p.output),
      cache_read: s(svc.cache_read, p.cache_read),
      cache_write_5m: s(null, p.cache_write_5m),
      cache_write_1h: s(null, p.cache_write_1h),
    };
    tier = svcName;
  }
  const input = p.input as bigint;
  const cw5 = p.cache_write_5m ?? input;
  return {
    prices: {
      input,
      output: p.output as bigint,
      cache_read: p.cache_read ?? input,
      cache_write_5m: cw5,
      cache_write_1h: p.cache_write_1h ?? cw5,
    },
    tier,
  };
}

function unpriced(version: string): CostResult {
  return { cost_usd_millicents: null, priced: false, pricing_version: version, breakdown: null };
}

/** Token counts per billed class from normalised usage. */
export function billedTokens(u: Usage): Record<Class, number> & { prompt: number } {
  const prompt = u.prompt_tokens ?? 0;
  const cr = u.cache_read_tokens ?? 0;
  let cw5 = u.cache_write_5m_tokens ?? 0;
  const cw1h = u.cache_write_1h_tokens ?? 0;
  const cw = u.cache_write_tokens ?? cw5 + cw1h;
  if (cw > cw5 + cw1h) cw5 = cw - cw1h; // no TTL split reported: writes are 5m writes
  return {
    prompt,
    input: Math.max(0, prompt - cr - cw5 - cw1h),
    cache_read: cr,
    cache_write_5m: cw5,
    cache_write_1h: cw1h,
    output: u.completion_tokens ?? 0,
  };
}

/**
 * The cost of one request at time `at`. Unknown model or usage `missing`/`unparsed` → cost null and
 * priced=false (never 0). Not billable (count_tokens, error without usage) → 0, priced=true.
 */
export function costOf(usage: Usage, table: PriceTable, at: Date): CostResult {
  const version = table.version;
  if (usage.usage_status === "missing" || usage.usage_status === "unparsed") {
    return unpriced(version);
  }
  if (!usage.billable) {
    return { cost_usd_millicents: 0, priced: true, pricing_version: version, breakdown: [] };
  }
  let row: PriceRow | null = null;
  for (const m of [usage.model, usage.requested_model]) {
    if (m && !row) row = findPrice(table, usage.provider, m, at);
  }
  if (!row) return unpriced(version);

  const t = billedTokens(usage);
  const { prices } = classPrices(row, usage, t.prompt);
  const mults: bigint[] = [];
  if (usage.batch || usage.service_tier === "batch") mults.push(toScaled(BATCH_MULTIPLIER));
  if (usage.inference_geo === "us" && row.multipliers.inference_geo_us !== null) {
    mults.push(toScaled(row.multipliers.inference_geo_us));
  }
  if (usage.speed === "fast" && row.multipliers.fast !== null) {
    mults.push(toScaled(row.multipliers.fast));
  }
  while (mults.length < MULT_SLOTS) mults.push(PRICE_SCALE);
  const multNum = mults.reduce((a, b) => a * b, 1n);

  const lines: CostLine[] = [];
  let total = 0n;
  const classes: Class[] = ["input", "cache_read", "cache_write_5m", "cache_write_1h", "output"];
  for (const c of classes) {
    const tokens = t[c];
    if (tokens === 0) continue;
    const eff = prices[c] * multNum; // scaled 10^36 USD/Mtok
    const num = BigInt(tokens) * eff; // millicents × LINE_DEN
    total += num;
    lines.push({
      token_class: c,
      tokens,
      usd_per_mtok: Number(formatScaled(eff, PRICE_DECIMALS * (MULT_SLOTS + 1))),
      millicents_exact: formatScaled(num, LINE_DECIMALS),
    });
  }
  const searches = usage.web_search_requests ?? 0;
  const fee = row.fees.web_search_per_query_usd;
  if (searches > 0 && fee !== null) {
    // fee USD × 10^5 millicents/USD, expressed over LINE_DEN.
    const num = BigInt(searches) * toScaled(fee) * 100_000n * (LINE_DEN / PRICE_SCALE);
    total += num;
    lines.push({
      token_class: "web_search",
      tokens: searches,
      usd_per_mtok: fee * 1_000_000,
      millicents_exact: formatScaled(num, LINE_DECIMALS),
    });
  }
  return {
    cost_usd_millicents: Number(divRoundHalfUp(total, LINE_DEN)),
    priced: true,
    pricing_version: version,
    breakdown: lines,
  };
}

/** The exact (unrounded) total of a breakdown, as a decimal string of millicents. */
export function exactMillicents(lines: CostLine[]): string {
  let total = 0n;
  for (const l of lines) {
    const [w, f = ""] = l.millicents_exact.split(".");
    total += BigInt(w + f.padEnd(LINE_DECIMALS, "0"));
  }
  return formatScaled(total, LINE_DECIMALS);
}
