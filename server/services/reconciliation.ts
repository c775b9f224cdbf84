/** @module Drift audit: server rows (re-priced) against the daemon's own per-day totals, per device, day, provider and model. */
import type { Sql } from "../db/pool.ts";
import type { AuditEventView, DriftRow } from "../../shared/schemas/mod.ts";

/** Server vs daemon per (device, day, provider, model) for UTC days `[from, to]`. */
export async function drift(
  sql: Sql,
  o: { workspaceId: string; from: string; to: string },
): Promise<DriftRow[]> {
  const rows = await sql<
    (Omit<DriftRow, "date" | "rows_delta" | "cost_delta_usd_millicents"> & { day: string })[]
  >`
    WITH s AS (
      SELECT device_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, provider,
        coalesce(model, '') AS model, count(*)::int8 AS server_rows,
        coalesce(sum(cost_usd_millicents) FILTER (WHERE NOT unpriced), 0)::int8 AS server_cost_usd_millicents,
        count(*) FILTER (WHERE unpriced)::int8 AS server_unpriced_rows
      FROM requests
      WHERE workspace_id = ${o.workspaceId} AND ts >= ${o.from}::date
        AND ts < (${o.to}::date + 1)
      GROUP BY 1, 2, 3, 4
    ), d AS (
      SELECT device_id, to_char(day, 'YYYY-MM-DD') AS day, provider, model,
        rows AS daemon_rows, cost_usd_millicents AS daemon_cost_usd_millicents
      FROM daemon_totals
      WHERE workspace_id = ${o.workspaceId} AND day BETWEEN ${o.from}::date AND ${o.to}::date
    )
    SELECT x.device_id, dev.hostname, x.day, x.provider, x.model,
      coalesce(s.server_rows, 0)::int8 AS server_rows,
      coalesce(s.server_cost_usd_millicents, 0)::int8 AS server_cost_usd_millicents,
      coalesce(s.server_unpriced_rows, 0)::int8 AS server_unpriced_rows,
      d.daemon_rows, d.daemon_cost_usd_millicents
    FROM (SELECT device_id, day, provider, model FROM s UNION SELECT device_id, day, provider, model FROM d) x
    LEFT JOIN s USING (device_id, day, provider, model)
    LEFT JOIN d USING (device_id, day, provider, model)
    JOIN devices dev ON dev.id = x.device_id
    ORDER BY x.day, dev.hostname, x.provider, x.model
    LIMIT 5000`;
  return rows.map((r) => ({
    device_id: r.device_id,
    hostname: r.hostname,
    date: r.day,
    provider: r.provider,
    model: r.model,
    server_rows: r.server_rows,
    server_cost_usd_millicents: r.server_cost_usd_millicents,
    server_unpriced_rows: r.server_unpriced_rows,
    daemon_rows: r.daemon_rows,
    daemon_cost_usd_millicents: r.daemon_cost_usd_millicents,
    rows_delta: r.daemon_rows === null ? null : r.server_rows - r.daemon_rows,
    cost_delta_usd_millicents: r.daemon_cost_usd_millicents === null
      ? null
      : r.server_cost_usd_millicents - r.daemon_cost_usd_millicents,
  }));
}

/** A workspace's audit events, newest first (`before`: an id, for paging). */
export async function auditEvents(
  sql: Sql,
  o: { workspaceId: string; limit: number; before?: number },
): Promise<AuditEventView[]> {
  const rows = await sql<(Omit<AuditEventView, "at"> & { at: Date })[]>`
    SELECT id, at, actor_type, actor_id, action, target_type, target_id, metadata, ip
    FROM audit_events WHERE workspace_id = ${o.workspaceId}
      AND (${o.before ?? null}::int8 IS NULL OR id < ${o.before ?? null}::int8)
    ORDER BY id DESC LIMIT ${o.limit}`;
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}
