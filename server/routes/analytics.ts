/** @module Read API: `GET /v1/workspaces/{ws}/overview` (any member; group_by=member needs team). */
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../context.ts";
import { HttpError } from "../errors.ts";
import { requireUser, workspaceFor } from "../middleware/auth.ts";
import { requireTier } from "../middleware/tier_gate.ts";
import { readQuery } from "../validate.ts";
import { OverviewQuery, type OverviewResponse } from "../../shared/schemas/mod.ts";
import { overview } from "../services/analytics.ts";

const DAY_MS = 86_400_000;

/** Parses a `from`/`to` bound: a date is a UTC day (`to` day included), else the instant. */
export function parseBound(v: string, isTo: boolean): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const d = new Date(`${v}T00:00:00Z`);
    return isTo ? new Date(d.getTime() + DAY_MS) : d;
  }
  return new Date(v);
}

/** `/v1/workspaces/:ws/overview`. */
export function analyticsRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/v1/workspaces/:ws/overview", requireUser(deps), async (c) => {
    const ws = await workspaceFor(c, deps, c.req.param("ws"));
    const q = readQuery(c, OverviewQuery, "overview query");
    if (q.group_by === "member") requireTier("overview.group_by_member", ws.tier);
    const now = deps.clock.now();
    const to = q.to ? parseBound(q.to, true) : new Date(now.getTime() + DAY_MS);
    const from = q.from ? parseBound(q.from, false) : new Date(to.getTime() - 30 * DAY_MS);
    if (from >= to) {
      throw new HttpError(
        422,
        "validation_failed",
        "Invalid overview query: from must be before to",
      );
    }
    const r = await overview(deps.sql, {
      workspaceId: ws.id,
      from,
      to,
      groupBy: q.group_by ?? null,
    });
    const body: OverviewResponse = {
      workspace: { id: ws.id, slug: ws.slug, name: ws.name, tier: ws.tier },
      from: from.toISOString(),
      to: to.toISOString(),
      group_by: q.group_by ?? null,
      totals: r.totals,
      unpriced_count: r.totals.unpriced_requests,
      groups: r.groups,
    };
    return c.json(body);
  });
  return app;
}
