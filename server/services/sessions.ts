/** @module Sign-in: password check with a per-IP+email rate limit, session creation, and the cookie. */
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { AppDeps } from "../context.ts";
import { HttpError } from "../errors.ts";
import { isLocalhost } from "../middleware/csrf.ts";
import { checkPassword, createSession, type User } from "./accounts.ts";
import { audit } from "./audit.ts";
import { hit, retryAfter } from "./rate_limit.ts";

/** Session cookie name. */
export const SESSION_COOKIE = "hm_session";
/** Failed sign-ins allowed per IP and email per window. */
export const LOGIN_LIMIT = 10;
const LOGIN_WINDOW_MS = 15 * 60_000;

/** Checks the password (429 after too many failures, 401 when wrong), creates a session, sets the cookie. */
export async function signIn(
  c: Context,
  deps: AppDeps,
  email: string,
  password: string,
  ip: string,
): Promise<User> {
  const now = deps.clock.now();
  const key = `login:${ip}:${email.toLowerCase()}`;
  const wait = await retryAfter(
    deps.sql,
    { key, max: LOGIN_LIMIT, windowMs: LOGIN_WINDOW_MS },
    now,
  );
  if (wait > 0) {
    throw new HttpError(429, "rate_limited", `Too many failed sign-ins: try again in ${wait} s`, {
      retry_after: wait,
    }, { "Retry-After": String(wait) });
  }
  const user = await checkPassword(deps.sql, email, password);
  if (!user) {
    await hit(deps.sql, [key], now);
    throw new HttpError(401, "unauthenticated", "Wrong email or password");
  }
  const s = await createSession(deps.sql, user.id, now, deps.config.sessionTtlHours);
  await audit(deps.sql, {
    workspaceId: null,
    actor: { type: "user", id: user.id, ip },
    action: "auth.login",
    targetType: "user",
    targetId: user.id,
    at: now,
  });
  setCookie(c, SESSION_COOKIE, s.token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: !isLocalhost(c.req.url),
    path: "/",
    expires: s.expiresAt,
  });
  return user;
}

/** Clears the session cookie. */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: !isLocalhost(c.req.url) });
}
