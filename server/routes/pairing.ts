/** @module Pairing routes (RFC 8628): start, poll, cancel (daemon, unauthenticated), approve, deny (owner/admin). */
import { type Context, Hono } from "hono";
import type { AppDeps, AppEnv } from "../context.ts";
import { HttpError } from "../errors.ts";
import { clientIp, requireUser, workspaceFor } from "../middleware/auth.ts";
import { readJson } from "../validate.ts";
import {
  PairingApproveRequest,
  PairingCancelRequest,
  PairingDenyRequest,
  PairingPollRequest,
  PairingStartRequest,
} from "../../shared/schemas/mod.ts";
import { cancelPairing, decidePairing, pollPairing, startPairing } from "../services/pairing.ts";
import { workspacesOf } from "../services/accounts.ts";

/**
 * Where `approve_url` points: `PAIRING_DASHBOARD_URL`, else this server's public origin (the
 * forwarded one behind a trusted proxy).
 */
export function approveBase(deps: AppDeps, c: Context<AppEnv>): string {
  if (deps.config.pairingDashboardUrl) return deps.config.pairingDashboardUrl;
  const host = c.req.header("x-forwarded-host")?.split(",")[0]?.trim();
  const proto = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim();
  if (deps.config.trustProxy && host && (proto === "https" || proto === "http")) {
    return `${proto}://${host}`;
  }
  return new URL(c.req.url).origin;
}

/** `/v1/pairing/*`. */
export function pairingRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const ip = (c: Parameters<typeof clientIp>[0]) => clientIp(c, deps.config.trustProxy);

  app.post("/v1/pairing/start", async (c) => {
    const body = await readJson(c, PairingStartRequest, "pairing start request");
    const res = await startPairing(
      deps.sql,
      body,
      deps.clock.now(),
      approveBase(deps, c),
      ip(c),
    );
    return c.json(res, 201);
  });

  app.post("/v1/pairing/poll", async (c) => {
    const body = await readJson(c, PairingPollRequest, "pairing poll request");
    const r = await pollPairing(deps.sql, body.pairing_id, body.poll_secret, deps.clock.now());
    c.header("Cache-Control", "no-store");
    return c.json(r.body, r.http);
  });

  app.post("/v1/pairing/cancel", async (c) => {
    const body = await readJson(c, PairingCancelRequest, "pairing cancel request");
    return c.json(
      await cancelPairing(deps.sql, body.pairing_id, body.poll_secret, deps.clock.now(), ip(c)),
    );
  });

  app.post("/v1/pairing/approve", requireUser(deps), async (c) => {
    const body = await readJson(c, PairingApproveRequest, "pairing approval");
    const ws = await workspaceFor(c, deps, body.workspace_id, ["owner", "admin"]);
    const res = await decidePairing(deps.sql, {
      user: c.get("user"),
      code: body.code,
      decision: "approve",
      workspace: { id: ws.id, slug: ws.slug, name: ws.name, tier: ws.tier },
      ip: ip(c),
      now: deps.clock.now(),
    });
    return c.json(res);
  });

  app.post("/v1/pairing/deny", requireUser(deps), async (c) => {
    const body = await readJson(c, PairingDenyRequest, "pairing denial");
    const mine = await workspacesOf(deps.sql, c.get("user").id);
    if (!mine.some((w) => w.role === "owner" || w.role === "admin")) {
      throw new HttpError(403, "forbidden", "Only a workspace owner or admin can deny a pairing");
    }
    const res = await decidePairing(deps.sql, {
      user: c.get("user"),
      code: body.code,
      decision: "deny",
      workspace: null,
      ip: ip(c),
      now: deps.clock.now(),
    });
    return c.json(res);
  });

  return app;
}
