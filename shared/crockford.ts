/** @module Crockford base32 pairing codes: 8 characters shown as `XXXX-XXXX`, read leniently. */

/** The 32 symbols of Crockford base32 (no I, L, O, U). */
export const CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Characters in a pairing code, hyphen excluded. */
export const PAIRING_CODE_LENGTH = 8;

/** Draws a random 8-character code and formats it `XXXX-XXXX`. */
export function randomPairingCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(PAIRING_CODE_LENGTH));
  let out = "";
  for (const b of bytes) out += CROCKFORD_ALPHABET[b & 31];
  return formatPairingCode(out);
}

/** Formats 8 normalised symbols as `XXXX-XXXX`. */
export function formatPairingCode(symbols: string): string {
  return `${symbols.slice(0, 4)}-${symbols.slice(4)}`;
}

/**
 * Normalises user input to the 8 canonical symbols, or null when it cannot be a code.
 * Case-insensitive, hyphens and spaces optional; per Crockford, I and L read as 1 and O as 0.
 * U is never a valid symbol.
 */
export function normalizePairingCode(input: string): string | null {
  const cleaned = input.trim().toUpperCase().replace(/[\s-]/g, "")
    .replace(/[IL]/g, "1").replace(/O/g, "0");
  if (cleaned.length !== PAIRING_CODE_LENGTH) return null;
  for (const ch of cleaned) if (!CROCKFORD_ALPHABET.includes(ch)) return null;
  return cleaned;
}
