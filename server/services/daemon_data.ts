/** @module Body uploads and daemon totals: the daemon API's writes besides row batches. */
import type { Sql } from "../db/pool.ts";
import type {
  BodyUploadRequest,
  BodyUploadResponse,
  DaemonTotalsDay,
} from "../../shared/schemas/mod.ts";
import { HttpError } from "../errors.ts";
import { audit } from "./audit.ts";

/** Stores (or replaces) one body of a known request; `redaction_applied` is OR-merged. 404 when unknown. */
export async function storeBody(
  sql: Sql,
  o: {
    workspaceId: string;
    deviceId: string;
    requestId: string;
    body: BodyUploadRequest;
    now: Date;
  },
): Promise<BodyUploadResponse> {
  const bytes = new TextEncoder().encode(o.body.content).length;
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    const [r] = await t<{ redaction_applied: boolean }[]>`INSERT INTO request_bodies
      (workspace_id, request_id, direction, content, bytes, redaction_applied, uploaded_at)
      SELECT workspace_id, request_id, ${o.body.direction}, ${o.body.content}, ${bytes},
        ${o.body.redaction_applied}, ${o.now}
      FROM requests WHERE workspace_id = ${o.workspaceId} AND request_id = ${o.requestId}
      ON CONFLICT (workspace_id, request_id, direction) DO UPDATE SET content = EXCLUDED.content,
        bytes = EXCLUDED.bytes, uploaded_at = EXCLUDED.uploaded_at,
        redaction_applied = request_bodies.redaction_applied OR EXCLUDED.redaction_applied
      RETURNING redaction_applied`;
    if (!r) {
      throw new HttpError(
        404,
        "not_found",
        `Request ${o.requestId} is not on the server yet: upload its row first`,
      );
    }
    await audit(t, {
      workspaceId: o.workspaceId,
      actor: { type: "device", id: o.deviceId },
      action: "request_body.stored",
      targetType: "request",
      targetId: o.requestId,
      metadata: { direction: o.body.direction, bytes, redaction_applied: r.redaction_applied },
      at: o.now,
    });
    return {
      request_id: o.requestId,
      direction: o.body.direction,
      bytes,
      redaction_applied: r.redaction_applied,
    };
  });
}

/** Upserts the daemon's per-day totals for one device. Returns how many day rows were written. */
export async function upsertDaemonTotals(
  sql: Sql,
  o: { workspaceId: string; deviceId: string; days: DaemonTotalsDay[]; now: Date },
): Promise<number> {
  // Last one wins when a day repeats inside one call (ON CONFLICT cannot touch a row twice).
  const byKey = new Map<string, DaemonTotalsDay>();
  for (const d of o.days) byKey.set(`${d.date}\u0000${d.provider}\u0000${d.model ?? ""}`, d);
  const days = [...byKey.values()];
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    let n = 0;
    if (days.length) {
      const r = await t`INSERT INTO daemon_totals
        (workspace_id, device_id, day, provider, model, cost_usd_millicents, rows, updated_at)
        SELECT ${o.workspaceId}, ${o.deviceId}, d::date, p, m, c::int8, n::int8, ${o.now}
        FROM unnest(${t.array(days.map((d) => d.date), 25)}::text[],
          ${t.array(days.map((d) => d.provider), 25)}::text[],
          ${t.array(days.map((d) => d.model ?? ""), 25)}::text[],
          ${t.array(days.map((d) => String(d.cost_usd_millicents)), 25)}::text[],
          ${t.array(days.map((d) => String(d.rows)), 25)}::text[]) AS x(d, p, m, c, n)
        ON CONFLICT (device_id, day, provider, model) DO UPDATE SET
          cost_usd_millicents = EXCLUDED.cost_usd_millicents, rows = EXCLUDED.rows,
          updated_at = EXCLUDED.updated_at`;
      n = r.count;
    }
    await audit(t, {
      workspaceId: o.workspaceId,
      actor: { type: "device", id: o.deviceId },
      action: "daemon_totals.upserted",
      targetType: "device",
      targetId: o.deviceId,
      metadata: { days: n },
      at: o.now,
    });
    await t`UPDATE devices SET last_sync_at = ${o.now} WHERE id = ${o.deviceId}`;
    return n;
  });
}
