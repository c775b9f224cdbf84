/**
 * @module Secret handling for captured flows: which headers and query parameters carry API keys,
 * how they are hashed (SHA-256, the key itself is never kept) and redacted before anything is
 * stored or logged. The real values still go upstream.
 */
import { createHash } from "node:crypto";

/** Request headers that carry credentials; never captured. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "x-api-key",
  "x-goog-api-key",
  "api-key",
  "proxy-authorization",
]);

const KEY_PARAM = /([?&;](?:key|api[_-]?key|apikey|access_token|token)=)[^&#;]*/gi;

/** Replaces the values of `key=`-style query parameters with `[redacted]`. */
export function redactQuery(pathOrUrl: string): string {
  if (!/key=|token=/i.test(pathOrUrl)) return pathOrUrl;
  return pathOrUrl.replace(KEY_PARAM, "$1[redacted]");
}

/** The API key in a request: a secret header (Bearer stripped) or a `key=` query parameter. */
export function findApiKey(headers: Headers, path: string): string | null {
  for (const name of ["x-api-key", "x-goog-api-key", "api-key", "authorization"]) {
    const v = headers.get(name);
    if (v) return name === "authorization" ? v.replace(/^(Bearer|Basic|Token)\s+/i, "") : v;
  }
  const m = /[?&]key=([^&#]*)/.exec(path);
  if (m && m[1]) {
    try {
      return decodeURIComponent(m[1]);
    } catch {
      return m[1];
    }
  }
  return null;
}

/** SHA-256 hex of a key. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
