/** @module JSON account routes: sign in/out, who am I, personal API tokens (`hm_pat_…`). */
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../context.ts";
import { HttpError } from "../errors.ts";
import { clientIp, requireUser } from "../middleware/auth.ts";
import { readJson, readParam } from "../validate.ts";
import { CreateTokenRequest, LoginRequest, type MeResponse } from "../../shared/schemas/mod.ts";
import {
  createPersonalToken,
  deleteSession,
  revokePersonalToken,
  workspacesOf,
} from "../services/accounts.ts";
import { audit } from "../services/audit.ts";
import { clearSessionCookie, SESSION_COOKIE, signIn } from "../services/sessions.ts";

/** `/v1/auth/*`. */
export function authRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const ip = (c: Parameters<typeof clientIp>[0]) => clientIp(c, deps.config.trustProxy);

  app.post("/v1/auth/login", async (c) => {
    if (!/^application\/json\b/i.test(c.req.header("content-type") ?? "")) {
      throw new HttpError(415, "unsupported_media_type", "Send the sign-in as application/json");
    }
    const body = await readJson(c, LoginRequest, "sign-in");
    const user = await signIn(c, deps, body.email, body.password, ip(c));
    const res: MeResponse = { user, workspaces: await workspacesOf(deps.sql, user.id) };
    return c.json(res);
  });

  app.post("/v1/auth/logout", requireUser(deps), async (c) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    if (c.get("authKind") === "session" && cookie) {
      await deleteSession(deps.sql, cookie, deps.clock.now(), ip(c));
    }
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  app.get("/v1/auth/me", requireUser(deps), async (c) => {
    const user = c.get("user");
    const res: MeResponse = { user, workspaces: await workspacesOf(deps.sql, user.id) };
    return c.json(res);
  });

  app.post("/v1/auth/tokens", requireUser(deps), async (c) => {
    const body = await readJson(c, CreateTokenRequest, "token request");
    const now = deps.clock.now();
    const t = await createPersonalToken(deps.sql, c.get("user").id, body.name, now);
    await audit(deps.sql, {
      workspaceId: null,
      actor: { type: "user", id: c.get("user").id, ip: ip(c) },
      action: "api_token.created",
      targetType: "api_token",
      targetId: t.id,
      metadata: { name: body.name },
      at: now,
    });
    return c.json(t, 201);
  });

  app.delete("/v1/auth/tokens/:id", requireUser(deps), async (c) => {
    const id = readParam(c, "id", z.uuid());
    const done = await revokePersonalToken(deps.sql, {
      userId: c.get("user").id,
      tokenId: id,
      now: deps.clock.now(),
      ip: ip(c),
    });
    if (!done) throw new HttpError(404, "not_found", `No active token ${id}`);
    return c.body(null, 204);
  });

  return app;
}
