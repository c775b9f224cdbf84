/** @module Result type for boundaries (parse, config, network): errors as values, exceptions only for bugs. */

/** A success or a failure, never both. */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

/** Builds a success. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Builds a failure. */
export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
