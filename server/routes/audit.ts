/**
 * @module Audit and drift reads (owner/admin): `GET /v1/workspaces/{ws}/audit` (tier enterprise)
 * and `GET /v1/workspaces/{ws}/reconciliation` (tier team).
 */
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../context.ts";
import { HttpError } from "../errors.ts";
import { requireUser, workspaceFor } from "../middleware/auth.ts";
import { requireTier } from "../middleware/tier_gate.ts";
import { readQuery } from "../validate.ts";
import {
  type AuditListResponse,
  AuditQuery,
  DriftQuery,
  type DriftResponse,
} from "../../shared/schemas/mod.ts";
import { auditEvents, drift } from "../services/reconciliation.ts";

const DAY_MS = 86_400_000;

/** `/v1/workspaces/:ws/audit`, `/v1/workspaces/:ws/reconciliation`. */
export function auditRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("/v1/workspaces/:ws/audit", requireUser(deps));
  app.use("/v1/workspaces/:ws/reconciliation", requireUser(deps));

  app.get("/v1/workspaces/:ws/audit", async (c) => {
    const ws = await workspaceFor(c, deps, c.req.param("ws"), ["owner", "admin"]);
    requireTier("audit.read", ws.tier);
    const q = readQuery(c, AuditQuery, "audit query");
    const events = await auditEvents(deps.sql, {
      workspaceId: ws.id,
      limit: q.limit,
      before: q.before,
    });
    const body: AuditListResponse = {
      events,
      next_before: events.length === q.limit ? events[events.length - 1].id : null,
    };
    return c.json(body);
  });

  app.get("/v1/workspaces/:ws/reconciliation", async (c) => {
    const ws = await workspaceFor(c, deps, c.req.param("ws"), ["owner", "admin", "billing"]);
    requireTier("reconciliation.read", ws.tier);
    const q = readQuery(c, DriftQuery, "reconciliation query");
    const today = deps.clock.now().toISOString().slice(0, 10);
    const to = q.to ?? today;
    const from = q.from ?? new Date(Date.parse(to) - 6 * DAY_MS).toISOString().slice(0, 10);
    if (from > to) {
      throw new HttpError(
        422,
        "validation_failed",
        "Invalid reconciliation query: from must not be after to",
      );
    }
    const body: DriftResponse = {
      from,
      to,
      rows: await drift(deps.sql, { workspaceId: ws.id, from, to }),
    };
    return c.json(body);
  });

  return app;
}
