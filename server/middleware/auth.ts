/** @module Authentication: user (session cookie or `hm_pat_` token), device (`hm_sync_` token), client IP, workspace access. */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { getConnInfo } from "hono/deno";
import type { AppDeps, AppEnv, DeviceContext } from "../context.ts";
import { HttpError } from "../errors.ts";
import { membership, userFromPersonalToken, userFromSession } from "../services/accounts.ts";
import type { User } from "../services/accounts.ts";
import { sha256Hex } from "../services/crypto.ts";
import type { Role, WorkspaceWithRole } from "../../shared/schemas/mod.ts";
import { PAT_PREFIX, SYNC_TOKEN_PREFIX } from "../../shared/schemas/mod.ts";
import { checkJsonCsrf } from "./csrf.ts";
import { SESSION_COOKIE } from "../services/sessions.ts";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function bearer(c: Context): string | null {
  const h = c.req.header("authorization");
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m ? m[1] : null;
}

/** The client's IP: `X-Forwarded-For` (first hop) when trusted, else the socket peer. */
export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (xff) return xff;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Resolves the signed-in user from a personal token or the session cookie, or null. */
export async function currentUser(
  c: Context<AppEnv>,
  deps: AppDeps,
): Promise<{ user: User; kind: "session" | "token"; csrf: string | null } | null> {
  const now = deps.clock.now();
  const token = bearer(c);
  if (token) {
    if (!token.startsWith(PAT_PREFIX)) return null;
    const user = await userFromPersonalToken(deps.sql, token, now);
    return user ? { user, kind: "token", csrf: null } : null;
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (!cookie) return null;
  const s = await userFromSession(deps.sql, cookie, now);
  return s ? { user: s.user, kind: "session", csrf: s.csrfToken } : null;
}

/** Requires a user (401 unauthenticated); session-authenticated unsafe calls pass the CSRF check. */
export function requireUser(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const who = await currentUser(c, deps);
    if (!who) {
      throw new HttpError(
        401,
        "unauthenticated",
        "Sign in or send a valid personal API token (hm_pat_…)",
      );
    }
    if (who.kind === "session" && UNSAFE.has(c.req.method)) {
      checkJsonCsrf(c, who.csrf ?? "", {
        extraOrigin: deps.config.pairingDashboardUrl,
        trustProxy: deps.config.trustProxy,
      });
    }
    c.set("user", who.user);
    c.set("authKind", who.kind);
    c.set("sessionCsrf", who.csrf);
    await next();
  };
}

/** Requires a device token: 401 token_invalid (unknown/revoked), 403 device_forbidden (suspended). */
export function requireDevice(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearer(c);
    if (!token || !token.startsWith(SYNC_TOKEN_PREFIX)) {
      throw new HttpError(
        401,
        "token_invalid",
        "Missing or malformed device token (Bearer hm_sync_…)",
      );
    }
    const [d] = await deps.sql<(Omit<DeviceContext, "workspace"> & {
      ws_id: string;
      ws_slug: string;
      ws_name: string;
      ws_tier: DeviceContext["workspace"]["tier"];
    })[]>`SELECT d.id, d.machine_id, d.hostname, d.status,
        w.id AS ws_id, w.slug AS ws_slug, w.name AS ws_name, w.tier AS ws_tier
      FROM devices d JOIN workspaces w ON w.id = d.workspace_id
      WHERE d.token_hash = ${await sha256Hex(token)}`;
    if (!d || d.status === "revoked") {
      throw new HttpError(
        401,
        "token_invalid",
        "Device token is invalid or revoked: pair this machine again",
      );
    }
    if (d.status === "suspended") {
      throw new HttpError(
        403,
        "device_forbidden",
        "This device is suspended: a workspace owner or admin must reactivate it",
      );
    }
    c.set("device", {
      id: d.id,
      machine_id: d.machine_id,
      hostname: d.hostname,
      status: d.status,
      workspace: { id: d.ws_id, slug: d.ws_slug, name: d.ws_name, tier: d.ws_tier },
    });
    await next();
  };
}

/**
 * The workspace `idOrSlug` as seen by the signed-in user. Not a member → 404 (no existence
 * leak); member without one of `roles` → 403 forbidden.
 */
export async function workspaceFor(
  c: Context<AppEnv>,
  deps: AppDeps,
  idOrSlug: string,
  roles?: readonly Role[],
): Promise<WorkspaceWithRole> {
  const ws = await membership(deps.sql, c.get("user").id, idOrSlug);
  if (!ws) throw new HttpError(404, "not_found", `Workspace ${idOrSlug} not found`);
  if (roles && !roles.includes(ws.role)) {
    throw new HttpError(
      403,
      "forbidden",
      `Role ${ws.role} cannot do this; it needs ${roles.join(" or ")}`,
    );
  }
  return ws;
}
