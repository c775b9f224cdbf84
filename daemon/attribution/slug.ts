/** @module Project slugs: validation (for explicit labels) and derivation (from names and paths). */

const SLUG = /^[a-z0-9][a-z0-9._-]{0,99}$/i;

/** True when `s` is a valid project slug (letters, digits, `.`, `_`, `-`; up to 100 chars). */
export function isSlug(s: string): boolean {
  return SLUG.test(s);
}

/**
 * Derives a slug from a free-form name (folder, repository): lower-cased, runs of other
 * characters become `-`, leading/trailing separators trimmed. Null when nothing is left.
 */
export function slugify(name: string): string | null {
  const s = name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+|[-]+$/g, "")
    .slice(0, 100);
  return s.length > 0 && isSlug(s) ? s : null;
}

/** Explains why a string is not a slug, as the tail of a one-line error. */
export function slugProblem(s: string): string | null {
  if (s.length === 0) return "it is empty";
  if (s.length > 100) return "it is longer than 100 characters";
  if (!SLUG.test(s)) {
    return "use letters, digits, '.', '_' or '-', starting with a letter or digit";
  }
  return null;
}
