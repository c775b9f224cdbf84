/** @module The workspace overview: totals over a time range, optionally grouped, with the unpriced count. */
import type { Sql } from "../db/pool.ts";
import type { OverviewGroup, OverviewGroupBy, OverviewTotals } from "../../shared/schemas/mod.ts";

const GROUP_EXPR: Record<OverviewGroupBy, { key: string; label: string }> = {
  project: { key: "r.project_id", label: "r.project_id" },
  model: { key: "r.model", label: "r.model" },
  provider: { key: "r.provider", label: "r.provider" },
  device: { key: "d.id::text", label: "d.hostname" },
  member: { key: "u.id::text", label: "u.email" },
  day: {
    key: "to_char(r.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    label: "to_char(r.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
  },
};

const SUMS = `count(*)::int8 AS requests,
  count(*) FILTER (WHERE NOT r.unpriced)::int8 AS priced_requests,
  count(*) FILTER (WHERE r.unpriced)::int8 AS unpriced_requests,
  coalesce(sum(r.cost_usd_millicents) FILTER (WHERE NOT r.unpriced), 0)::int8 AS cost_usd_millicents,
  coalesce(sum(r.daemon_cost_usd_millicents), 0)::int8 AS daemon_cost_usd_millicents,
  coalesce(sum(r.prompt_tokens), 0)::int8 AS prompt_tokens,
  coalesce(sum(r.completion_tokens), 0)::int8 AS completion_tokens,
  coalesce(sum(r.cache_read_tokens), 0)::int8 AS cache_read_tokens,
  coalesce(sum(r.cache_write_tokens), 0)::int8 AS cache_write_tokens`;

const FROM =
  `FROM requests r JOIN devices d ON d.id = r.device_id LEFT JOIN users u ON u.id = d.user_id
  WHERE r.workspace_id = $1 AND r.ts >= $2 AND r.ts < $3`;

/** Totals (unpriced rows excluded from cost sums) and groups for `[from, to)`. */
export async function overview(
  sql: Sql,
  o: { workspaceId: string; from: Date; to: Date; groupBy: OverviewGroupBy | null },
): Promise<{ totals: OverviewTotals; groups: OverviewGroup[] }> {
  const params = [o.workspaceId, o.from.toISOString(), o.to.toISOString()];
  const [totals] = await sql.unsafe<OverviewTotals[]>(`SELECT ${SUMS} ${FROM}`, params);
  let groups: OverviewGroup[] = [];
  if (o.groupBy) {
    const g = GROUP_EXPR[o.groupBy];
    const order = o.groupBy === "day" ? "key" : "cost_usd_millicents DESC, key NULLS LAST";
    groups = await sql.unsafe<OverviewGroup[]>(
      `SELECT ${g.key} AS key, min(${g.label}) AS label, ${SUMS} ${FROM}
       GROUP BY ${g.key} ORDER BY ${order} LIMIT 1000`,
      params,
    );
  }
  return { totals: { ...totals }, groups: groups.map((x) => ({ ...x })) };
}
