/**
 * @module CSRF defences. Form posts: a double-submit token (`hm_csrf` cookie = hidden `_csrf`
 * field) plus an Origin check. JSON API calls authenticated by the session cookie: same-origin
 * Origin (when sent) and `Content-Type: application/json` or `X-CSRF-Token` = the session's token,
 * which a cross-site form can never produce without a CORS preflight this server never grants.
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../context.ts";
import { HttpError } from "../errors.ts";
import { randomToken, timingSafeEqual } from "../services/crypto.ts";

/** Cookie carrying the form CSRF token. */
export const CSRF_COOKIE = "hm_csrf";

/** True for loopback hosts, where cookies may go without `Secure`. */
export function isLocalhost(url: string): boolean {
  const h = new URL(url).hostname;
  return h === "localhost" || h === "127.0.0.1" || h === "[::1]" || h.endsWith(".localhost");
}

/** Which origins besides the request's own may post: the dashboard's, and forwarded ones behind a trusted proxy. */
export interface OriginPolicy {
  extraOrigin: string | null;
  trustProxy: boolean;
}

/** Throws 403 csrf_failed when a present Origin header is not an allowed origin. */
export function checkOrigin(c: Context<AppEnv>, policy: OriginPolicy): void {
  const { extraOrigin, trustProxy } = policy;
  const origin = c.req.header("origin");
  if (!origin) return;
  const allowed = [new URL(c.req.url).origin];
  if (extraOrigin) allowed.push(new URL(extraOrigin).origin);
  const fwdHost = c.req.header("x-forwarded-host")?.split(",")[0]?.trim();
  const fwdProto = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim();
  if (trustProxy && fwdHost && (fwdProto === "https" || fwdProto === "http")) {
    allowed.push(`${fwdProto}://${fwdHost}`);
  }
  if (!allowed.includes(origin)) {
    throw new HttpError(
      403,
      "csrf_failed",
      `Cross-site request refused: origin ${origin} is not allowed`,
    );
  }
}

/** CSRF check for unsafe JSON API calls authenticated by a session cookie. */
export function checkJsonCsrf(
  c: Context<AppEnv>,
  sessionCsrf: string,
  policy: OriginPolicy,
): void {
  checkOrigin(c, policy);
  const type = c.req.header("content-type") ?? "";
  if (/^application\/json\b/i.test(type)) return;
  const header = c.req.header("x-csrf-token");
  if (header && timingSafeEqual(header, sessionCsrf)) return;
  throw new HttpError(
    403,
    "csrf_failed",
    "Cross-site request refused: send Content-Type: application/json or the X-CSRF-Token header",
  );
}

/** The form CSRF token for this browser, setting the cookie when it is missing. */
export function formCsrfToken(c: Context<AppEnv>): string {
  const existing = getCookie(c, CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{20,}$/.test(existing)) return existing;
  const token = randomToken("", 24);
  setCookie(c, CSRF_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    secure: !isLocalhost(c.req.url),
    path: "/",
  });
  return token;
}

/** Verifies a posted form's `_csrf` field against the cookie, and the Origin. Throws 403 csrf_failed. */
export function verifyFormCsrf(
  c: Context<AppEnv>,
  form: Record<string, unknown>,
  policy: OriginPolicy,
): void {
  checkOrigin(c, policy);
  const cookie = getCookie(c, CSRF_COOKIE);
  const field = typeof form._csrf === "string" ? form._csrf : "";
  if (!cookie || !field || !timingSafeEqual(cookie, field)) {
    throw new HttpError(
      403,
      "csrf_failed",
      "Form expired or forged: reload the page and try again",
    );
  }
}
