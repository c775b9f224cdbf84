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

/** Throws 403 csrf_failed when a present Origin header is not this server's (or the dashboard's) origin. */
export function checkOrigin(c: Context<AppEnv>, extraOrigin: string | null): void {
  const origin = c.req.header("origin");
  if (!origin) return;
  const allowed = [new URL(c.req.url).origin];
  if (extraOrigin) allowed.push(new URL(extraOrigin).origin);
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
  extraOrigin: string | null,
): void {
  checkOrigin(c, extraOrigin);
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
  extraOrigin: string | null,
): void {
  checkOrigin(c, extraOrigin);
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
