/**
 * @module The core local API: `/api/health` (the CLI's liveness probe) and `/api/status`.
 */
import type { Hono } from "hono";
import { VERSION } from "../version.ts";
import { cloudStatusSummary } from "./cloud_hook.ts";
import type { LocalDeps } from "./server.ts";
import type { CloudSummary } from "./cloud_hook.ts";

/** The JSON of `GET /api/status` and of `halton-meter status --json` when running. */
export interface DaemonStatus {
  running: true;
  pid: number;
  version: string;
  started_at: string;
  uptime_seconds: number;
  home: string;
  proxy: { hostname: string; port: number; url: string };
  dashboard: { hostname: string; port: number; url: string } | null;
  rows_today: number;
  rows_total: number;
  cloud: CloudSummary;
}

/** Start of the local calendar day containing `now`, as an ISO UTC string. */
export function startOfLocalDay(now: Date = new Date()): string {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

/** An address as an http URL (IPv6 in brackets). */
export function addrUrl(a: { hostname: string; port: number }): string {
  const host = a.hostname.includes(":") ? `[${a.hostname}]` : a.hostname;
  return `http://${host}:${a.port}`;
}

/** Mounts `/api/health` and `/api/status`. `dashboardAddr` is read lazily (known after listen). */
export function coreRoutes(getDashboardAddr: () => { hostname: string; port: number } | null) {
  return (app: Hono, deps: LocalDeps): void => {
    app.get("/api/health", (c) => c.json({ ok: true, pid: Deno.pid, version: VERSION }));
    app.get("/api/status", async (c) => {
      const dash = getDashboardAddr();
      const since = c.req.query("day_start") ?? startOfLocalDay();
      const total = deps.store.db.prepare("SELECT count(*) AS n FROM requests").get() as {
        n: number;
      };
      const status: DaemonStatus = {
        running: true,
        pid: Deno.pid,
        version: VERSION,
        started_at: deps.startedAt.toISOString(),
        uptime_seconds: Math.max(0, Math.round((Date.now() - deps.startedAt.getTime()) / 1000)),
        home: deps.paths.dir,
        proxy: { ...deps.proxyAddr, url: addrUrl(deps.proxyAddr) },
        dashboard: dash ? { ...dash, url: addrUrl(dash) } : null,
        rows_today: deps.store.countSince(since),
        rows_total: Number(total.n),
        cloud: await cloudStatusSummary(deps.paths, deps.config),
      };
      return c.json(status);
    });
  };
}
