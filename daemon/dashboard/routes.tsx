/**
 * @module The personal dashboard on 127.0.0.1:[dashboard].port: server-rendered hono/jsx pages
 * (overview, request list, request detail) and their local assets. No CDN: it works offline.
 * CORE mounts `dashboardRoutes` (re-exported by mod.ts) on the local API server.
 */
import type { Hono } from "hono";
import { emptyUsage, type ProviderId, type Usage } from "../../shared/schemas/usage.ts";
import {
  costOf,
  type CostResult,
  defaultPriceTable,
  withOverrides,
} from "../../shared/pricing/mod.ts";
import type { Config } from "../config.ts";
import type { LocalDeps, LocalRoutes } from "../local_api/server.ts";
import { facets, listRequests, overview } from "../store/reports.ts";
import type { StoredRow } from "../store/store.ts";
import { DASHBOARD_CSS, FAVICON_SVG } from "./assets.ts";
import { mountCloudPage } from "./cloud.tsx";
import { DetailPage } from "./detail.tsx";
import { ErrorPage } from "./layout.tsx";
import { OverviewPage } from "./overview.tsx";
import { listQuery, periodFromQuery } from "./params.ts";
import { PAGE_SIZE, RequestsPage } from "./requests.tsx";

const CSP =
  "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Recomputes a stored row's cost with the pricing engine, for the per-class breakdown. */
export function costBreakdown(row: StoredRow, config: Config): CostResult | null {
  if (!row.provider || !row.usage_status) return null;
  const table = withOverrides(defaultPriceTable(), config.pricing.overrides);
  if (!table.ok) return null;
  const usage: Usage = {
    ...emptyUsage(row.provider as ProviderId, row.usage_status as Usage["usage_status"]),
    model: row.model,
    requested_model: row.requested_model,
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
    cache_read_tokens: row.cache_read_tokens,
    cache_write_tokens: row.cache_write_tokens,
    cache_write_5m_tokens: row.cache_write_5m_tokens,
    cache_write_1h_tokens: row.cache_write_1h_tokens,
    reasoning_tokens: row.reasoning_tokens,
    web_search_requests: row.web_search_requests,
    operation: row.operation,
    stream: row.stream,
    batch: row.batch,
    billable: row.billable,
    service_tier: row.service_tier,
    inference_geo: row.inference_geo,
    speed: row.speed,
  };
  try {
    return costOf(usage, table.value, new Date(row.timestamp));
  } catch {
    return null;
  }
}

/** Mounts the dashboard pages and assets. */
export const dashboardRoutes: LocalRoutes = (app: Hono, deps: LocalDeps): void => {
  app.use("/", secure);
  app.use("/requests", secure);
  app.use("/requests/*", secure);

  app.get(
    "/assets/dashboard.css",
    (c) =>
      c.body(DASHBOARD_CSS, 200, {
        "content-type": "text/css; charset=utf-8",
        "cache-control": "max-age=300",
      }),
  );
  app.get(
    "/assets/favicon.svg",
    (c) =>
      c.body(FAVICON_SVG, 200, {
        "content-type": "image/svg+xml",
        "cache-control": "max-age=86400",
      }),
  );
  app.get("/favicon.ico", (c) => c.redirect("/assets/favicon.svg", 302));
  mountCloudPage(app, deps);

  app.get("/", (c) => {
    const now = new Date();
    const p = periodFromQuery((k) => c.req.query(k), now);
    if (!p.ok) {
      return c.html(<ErrorPage title="Overview" message={p.error} active="overview" />, 400);
    }
    const ov = overview(deps.store, p.value);
    return c.html(<OverviewPage ov={ov} period={p.value} now={now} />);
  });

  app.get("/requests", (c) => {
    const p = periodFromQuery((k) => c.req.query(k));
    const q = listQuery((k) => c.req.query(k));
    if (!p.ok || !q.ok) {
      return c.html(
        <ErrorPage
          title="Requests"
          message={!p.ok ? p.error : (q as { error: string }).error}
          active="requests"
        />,
        400,
      );
    }
    const page = listRequests(deps.store, {
      ...p.value,
      ...q.value,
      limit: PAGE_SIZE,
      offset: (q.value.page - 1) * PAGE_SIZE,
    });
    return c.html(
      <RequestsPage
        rows={page.rows}
        total={page.total}
        query={q.value}
        period={p.value}
        facets={facets(deps.store, p.value)}
      />,
    );
  });

  app.get("/requests/:id", (c) => {
    const id = c.req.param("id");
    const row = /^[0-9a-f-]{36}$/i.test(id) ? deps.store.getRequest(id) : null;
    if (!row) {
      return c.html(
        <ErrorPage
          title="Request not found"
          message={`No request with id ${id}`}
          active="requests"
        />,
        404,
      );
    }
    return c.html(
      <DetailPage
        row={row}
        bodies={deps.store.getBodies(id)}
        cost={costBreakdown(row, deps.config)}
      />,
    );
  });
};

/** Security headers for every page: nothing but this origin may load anything. */
async function secure(
  c: { header(k: string, v: string): void },
  next: () => Promise<void>,
): Promise<void> {
  await next();
  c.header("content-security-policy", CSP);
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "no-referrer");
}
