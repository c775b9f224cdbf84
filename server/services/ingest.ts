/**
 * @module Row ingest: validate each row alone, re-price it from `pricing_rates`, and insert the
 * batch in ONE statement (`INSERT … SELECT * FROM unnest(…) ON CONFLICT DO NOTHING RETURNING`)
 * that also stamps the device's `last_sync_at` and appends the audit event.
 */
import type { Sql } from "../db/pool.ts";
import type { PriceTable } from "../../shared/pricing/mod.ts";
import { type BatchResponse, type RejectedRow, RequestRow } from "../../shared/schemas/mod.ts";
import { issuesLine } from "../errors.ts";
import { repriceRow } from "./pricing.ts";

/** Stored columns in insert order, each with its Postgres array type and how to read it from a row. */
const COLUMNS: [
  string,
  string,
  (r: RequestRow, p: { cost: number | null; version: string }) => unknown,
][] = [
  ["request_id", "uuid", (r) => r.request_id],
  ["ts", "timestamptz", (r) => r.timestamp],
  ["provider", "text", (r) => r.provider],
  ["model", "text", (r) => r.model],
  ["requested_model", "text", (r) => r.requested_model],
  ["method", "text", (r) => r.method],
  ["path", "text", (r) => r.path],
  ["status_code", "int4", (r) => r.status_code],
  ["prompt_tokens", "int8", (r) => r.prompt_tokens],
  ["completion_tokens", "int8", (r) => r.completion_tokens],
  ["cache_read_tokens", "int8", (r) => r.cache_read_tokens],
  ["cache_write_tokens", "int8", (r) => r.cache_write_tokens],
  ["cache_write_5m_tokens", "int8", (r) => r.cache_write_5m_tokens],
  ["cache_write_1h_tokens", "int8", (r) => r.cache_write_1h_tokens],
  ["reasoning_tokens", "int8", (r) => r.reasoning_tokens],
  ["web_search_requests", "int8", (r) => r.web_search_requests],
  ["usage_status", "text", (r) => r.usage_status],
  ["batch", "bool", (r) => r.batch ?? false],
  ["service_tier", "text", (r) => r.service_tier],
  ["cost_usd_millicents", "int8", (_r, p) => p.cost],
  ["unpriced", "bool", (_r, p) => p.cost === null],
  ["pricing_version", "text", (_r, p) => p.version],
  ["daemon_cost_usd_millicents", "int8", (r) => r.cost_usd_millicents],
  ["daemon_priced", "bool", (r) => r.priced],
  ["daemon_pricing_version", "text", (r) => r.pricing_version],
  ["project_id", "text", (r) => r.project_id],
  ["attribution_method", "text", (r) => r.attribution_method],
  ["hostname", "text", (r) => r.hostname],
  ["prompt_hash", "text", (r) => r.prompt_hash],
  ["provider_request_id", "text", (r) => r.provider_request_id],
  ["latency_ms", "int8", (r) => r.latency_ms],
  ["ttfb_ms", "int8", (r) => r.ttfb_ms],
  ["user_agent", "text", (r) => r.user_agent],
  ["source_workdir", "text", (r) => r.source_workdir],
];

/** Column names of `requests` that ingest fills from the row (besides workspace/device/received_at). */
export const ROW_COLUMNS: readonly string[] = COLUMNS.map((c) => c[0]);

/** Splits raw rows into valid ones and rejections (each row validated alone). */
export function validateRows(raw: unknown[]): { valid: RequestRow[]; rejected: RejectedRow[] } {
  const valid: RequestRow[] = [];
  const rejected: RejectedRow[] = [];
  for (const item of raw) {
    const r = RequestRow.safeParse(item);
    if (r.success) {
      valid.push(r.data);
      continue;
    }
    const id = item && typeof item === "object" &&
        typeof (item as { request_id?: unknown }).request_id === "string"
      ? (item as { request_id: string }).request_id.slice(0, 100)
      : null;
    rejected.push({ request_id: id, error: `Invalid row: ${issuesLine(r.error)}` });
  }
  return { valid, rejected };
}

/** Builds the `unnest` column arrays (as text arrays, cast per column in SQL). */
export function columnArrays(
  rows: RequestRow[],
  table: PriceTable,
): { arrays: (string | null)[][]; unpriced: boolean[] } {
  const prices = rows.map((r) => repriceRow(r, table));
  const arrays = COLUMNS.map(([, , get]) =>
    rows.map((r, i) => {
      const v = get(r, prices[i]);
      return v === null || v === undefined ? null : String(v);
    })
  );
  return { arrays, unpriced: prices.map((p) => p.cost === null) };
}

/** The `SELECT … FROM unnest(…)` list and casts for `COLUMNS`, parameters $base+1… */
export function unnestSql(base: number): string {
  const args = COLUMNS.map(([, type], i) => `$${base + i + 1}::text[]::${type}[]`).join(", ");
  return `unnest(${args}) AS u(${COLUMNS.map((c) => c[0]).join(", ")})`;
}

const COLUMN_LIST = COLUMNS.map((c) => c[0]).join(", ");
/** Parameters: $1 workspace, $2 device, $3 now, then one array per column, then the two counts. */
const P_RECEIVED = `$${4 + COLUMNS.length}::int`;
const P_REJECTED = `$${5 + COLUMNS.length}::int`;

const INSERT_SQL = `
WITH ins AS (
  INSERT INTO requests (workspace_id, device_id, received_at, ${COLUMN_LIST})
  SELECT $1::uuid, $2::uuid, $3::timestamptz, u.* FROM ${unnestSql(3)}
  ON CONFLICT (workspace_id, request_id) DO NOTHING
  RETURNING unpriced
), counts AS (
  SELECT count(*)::int AS accepted, count(*) FILTER (WHERE unpriced)::int AS unpriced FROM ins
), dev AS (
  UPDATE devices SET last_sync_at = $3::timestamptz WHERE id = $2::uuid RETURNING id
), aud AS (
  INSERT INTO audit_events
    (workspace_id, actor_type, actor_id, action, target_type, target_id, metadata, at)
  SELECT $1::uuid, 'device', $2::text, 'requests.ingested', 'device', $2::text,
    jsonb_build_object('accepted', accepted, 'unpriced', unpriced, 'received', ${P_RECEIVED},
      'rejected', ${P_REJECTED}), $3::timestamptz
  FROM counts RETURNING id
)
SELECT accepted, unpriced, (SELECT count(*) FROM dev)::int AS dev,
  (SELECT count(*) FROM aud)::int AS aud
FROM counts`;

/** Ingests one validated batch for a device; returns the batch answer. */
export async function ingestBatch(
  sql: Sql,
  o: {
    workspaceId: string;
    deviceId: string;
    rows: unknown[];
    table: PriceTable;
    now: Date;
  },
): Promise<BatchResponse> {
  const { valid, rejected } = validateRows(o.rows);
  const { arrays } = columnArrays(valid, o.table);
  const params: unknown[] = [
    o.workspaceId,
    o.deviceId,
    o.now.toISOString(),
    ...arrays.map((a) => sql.array(a, 25)),
    valid.length + rejected.length,
    rejected.length,
  ];
  const [r] = await sql.unsafe<{ accepted: number; unpriced: number }[]>(
    INSERT_SQL,
    params as never[],
    { prepare: true },
  );
  return {
    accepted: r.accepted,
    duplicates: valid.length - r.accepted,
    rejected,
    unpriced: r.unpriced,
  };
}
