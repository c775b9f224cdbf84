/** @module Money as integer millicents: 1 USD = 100,000 millicents. Never floats in storage. */

/** Millicents in one US dollar. */
export const MILLICENTS_PER_USD = 100_000;

/** Formats integer millicents as a USD string, e.g. 54300 → "$0.54300" (5 decimals by default). */
export function formatUsd(millicents: number | null | undefined, decimals = 5): string {
  if (millicents === null || millicents === undefined) return "—";
  const sign = millicents < 0 ? "-" : "";
  const abs = Math.abs(millicents);
  const dollars = Math.floor(abs / MILLICENTS_PER_USD);
  const frac = String(abs % MILLICENTS_PER_USD).padStart(5, "0");
  const shown = decimals >= 5 ? frac : roundFrac(frac, decimals);
  return `${sign}$${dollars}${shown.length ? "." + shown : ""}`;
}

function roundFrac(frac: string, decimals: number): string {
  // Truncation for display only; stored values stay exact.
  return frac.slice(0, decimals);
}

/** Converts millicents to a floating USD number for display or JSON reports only. */
export function millicentsToUsd(millicents: number): number {
  return millicents / MILLICENTS_PER_USD;
}
