/**
 * @module Pricing engine: pure data (the bundled, versioned price table) plus ONE cost function.
 * Shared by the daemon (capture, reprice) and the server (pricing_rates seed, re-pricing).
 */
export type {
  ClassPrices,
  CostLine,
  CostResult,
  LongContextTier,
  PriceRow,
  PriceTable,
  TierPrices,
} from "./types.ts";
export {
  defaultPriceTable,
  findPrice,
  normaliseModel,
  type PriceOverrideInput,
  priceRows,
  withOverrides,
} from "./table.ts";
export { BATCH_MULTIPLIER, billedTokens, costOf, exactMillicents } from "./cost.ts";
export { PRICES_VERSION } from "./prices.ts";
