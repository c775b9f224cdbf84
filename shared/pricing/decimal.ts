/** @module Exact decimal helpers for money: prices become scaled BigInts, never floats. */

/** Decimal places kept for prices and multipliers (nano-USD per million tokens). */
export const PRICE_DECIMALS = 9;
/** 10^PRICE_DECIMALS as a BigInt. */
export const PRICE_SCALE = 10n ** BigInt(PRICE_DECIMALS);

/** A non-negative number as an integer scaled by 10^9 (exact for values written with ≤ 9 decimals). */
export function toScaled(v: number): bigint {
  if (!Number.isFinite(v) || v < 0) {
    throw new RangeError(`Price must be a non-negative number, got ${v}`);
  }
  const [whole, frac = ""] = v.toFixed(PRICE_DECIMALS).split(".");
  return BigInt(whole + frac.padEnd(PRICE_DECIMALS, "0"));
}

/** Formats num / 10^decimals as an exact decimal string without trailing zeros. */
export function formatScaled(num: bigint, decimals: number): string {
  const neg = num < 0n;
  const abs = neg ? -num : num;
  const s = abs.toString().padStart(decimals + 1, "0");
  const whole = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? "." + frac : ""}`;
}

/** Divides and rounds half up (for non-negative numerators). */
export function divRoundHalfUp(num: bigint, den: bigint): bigint {
  return (2n * num + den) / (2n * den);
}
