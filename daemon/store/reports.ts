/**
 * @module Every query behind `report`, `export`, `prune` and the dashboard. Cost sums only priced
 * rows; unpriced rows (usage known, no price) and rows with missing usage are counted apart and
 * never summed as zero. Ranges are [since, until) over ISO-8601 UTC timestamps.
 */
import type { SQLInputValue } from "node:sqlite";
import { fromDb, type Store, type StoredRow } from "./store.ts";
import type { TimeRange } from "./reports_range.ts";

export * from "./reports_range.ts";
export * from "./prune.ts";

/** Dimensions a report can be grouped by. */
export const GROUP_BY = ["project", "model", "provider", "day", "hostname", "attribution"] as const;
/** A report dimension. */
export type GroupBy = typeof GROUP_BY[number];

/** Token columns, in display order. */
export const TOKEN_COLUMNS = [
  "prompt_tokens",
  "completion_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "cache_write_5m_tokens",
  "cache_write_1h_tokens",
  "reasoning_tokens",
  "web_search_requests",
] as const;
/** A token column. */
export type TokenColumn = typeof TOKEN_COLUMNS[number];

/** The SQL expression for each dimension (null keys get a visible name). */
const KEY_SQL: Record<GroupBy, string> = {
  project: "coalesce(project_id, 'unattributed')",
  model: "coalesce(model, requested_model, '(unknown)')",
  provider: "coalesce(provider, '(none)')",
  day: "substr(timestamp, 1, 10)",
  hostname: "coalesce(hostname, '(unknown)')",
  attribution: "coalesce(attribution_method, '(none)')",
};

/** One aggregated line of a report. */
export type ReportLine =
  & {
    key: string;
    requests: number;
    /** Rows with a cost. */
    priced: number;
    /** Rows with usage but no price (unknown model): cost unknown, not zero. */
    unpriced: number;
    /** Rows without complete usage (missing, incomplete, unparsed, or no LLM usage at all). */
    missing_usage: number;
    /** Sum over priced rows only; null when no row is priced. */
    cost_usd_millicents: number | null;
  }
  & Record<TokenColumn, number>;

const AGGREGATES = `count(*) AS requests,
  count(cost_usd_millicents) AS priced,
  coalesce(sum(cost_usd_millicents IS NULL AND usage_status = 'ok'), 0) AS unpriced,
  coalesce(sum(cost_usd_millicents IS NULL AND coalesce(usage_status, '') <> 'ok'), 0) AS missing_usage,
  ${TOKEN_COLUMNS.map((c) => `coalesce(sum(${c}), 0) AS ${c}`).join(",\n  ")},
  sum(cost_usd_millicents) AS cost_usd_millicents`;

/** Filters shared by reports and the dashboard. */
export interface ReportFilter extends TimeRange {
  project?: string | null;
  model?: string | null;
  provider?: string | null;
}

function where(f: ReportFilter): { sql: string; params: SQLInputValue[] } {
  const parts = ["timestamp >= ?", "timestamp < ?"];
  const params: SQLInputValue[] = [f.since, f.until];
  if (f.project) {
    parts.push(`${KEY_SQL.project} = ?`);
    params.push(f.project);
  }
  if (f.model) {
    parts.push(`${KEY_SQL.model} = ?`);
    params.push(f.model);
  }
  if (f.provider) {
    parts.push(`${KEY_SQL.provider} = ?`);
    params.push(f.provider);
  }
  return { sql: parts.join(" AND "), params };
}

function toLine(raw: Record<string, unknown>): ReportLine {
  const line: Record<string, unknown> = { key: String(raw.key) };
  for (const k of ["requests", "priced", "unpriced", "missing_usage", ...TOKEN_COLUMNS]) {
    line[k] = Number(raw[k] ?? 0);
  }
  line.cost_usd_millicents = raw.cost_usd_millicents === null
    ? null
    : Number(raw.cost_usd_millicents);
  return line as ReportLine;
}

/** Aggregates a range by one dimension; days ascending, others by cost then requests. */
export function reportBy(store: Store, by: GroupBy, f: ReportFilter): ReportLine[] {
  const w = where(f);
  const order = by === "day"
    ? "key"
    : "cost_usd_millicents IS NULL, cost_usd_millicents DESC, requests DESC, key";
  const sql = `SELECT ${
    KEY_SQL[by]
  } AS key, ${AGGREGATES} FROM requests WHERE ${w.sql} GROUP BY 1 ORDER BY ${order}`;
  return (store.db.prepare(sql).all(...w.params) as Record<string, unknown>[]).map(toLine);
}

/** Sums report lines exactly (integers); the cost stays null when no line has one. */
export function totalOf(lines: ReportLine[], key = "total"): ReportLine {
  const t = toLine({ key, cost_usd_millicents: null });
  for (const l of lines) {
    for (
      const k of ["requests", "priced", "unpriced", "missing_usage", ...TOKEN_COLUMNS] as const
    ) {
      t[k] += l[k];
    }
    if (l.cost_usd_millicents !== null) {
      t.cost_usd_millicents = (t.cost_usd_millicents ?? 0) + l.cost_usd_millicents;
    }
  }
  return t;
}

/** The dashboard overview: spend by day and breakdowns, from ONE scan of the range. */
export interface Overview {
  byDay: ReportLine[];
  byProject: ReportLine[];
  byModel: ReportLine[];
  byProvider: ReportLine[];
  total: ReportLine;
}

/** Computes the overview for a range (one grouped scan, folded in memory). */
export function overview(store: Store, f: ReportFilter): Overview {
  const w = where(f);
  const sql = `SELECT ${KEY_SQL.day} AS d, ${KEY_SQL.project} AS p, ${KEY_SQL.model} AS m,
    ${KEY_SQL.provider} AS v, ${AGGREGATES} FROM requests WHERE ${w.sql} GROUP BY 1, 2, 3, 4`;
  const raws = store.db.prepare(sql).all(...w.params) as Record<string, unknown>[];
  const fold = (col: string) => {
    const groups = new Map<string, ReportLine[]>();
    for (const r of raws) {
      const k = String(r[col]);
      const l = toLine({ ...r, key: k });
      const g = groups.get(k);
      if (g) g.push(l);
      else groups.set(k, [l]);
    }
    return [...groups.entries()].map(([k, ls]) => totalOf(ls, k));
  };
  const byCost = (a: ReportLine, b: ReportLine) =>
    (b.cost_usd_millicents ?? -1) - (a.cost_usd_millicents ?? -1) || b.requests - a.requests ||
    a.key.localeCompare(b.key);
  const byProject = fold("p").sort(byCost);
  return {
    byDay: fold("d").sort((a, b) => a.key.localeCompare(b.key)),
    byProject,
    byModel: fold("m").sort(byCost),
    byProvider: fold("v").sort(byCost),
    total: totalOf(byProject),
  };
}

/** Request-list status filters. */
export const STATUS_FILTERS = ["ok", "error", "unpriced", "missing"] as const;
/** A request-list status filter. */
export type StatusFilter = typeof STATUS_FILTERS[number];

const STATUS_SQL: Record<StatusFilter, string> = {
  ok: "status_code BETWEEN 200 AND 299 AND outcome = 'complete'",
  error: "(status_code IS NULL OR status_code >= 400 OR outcome <> 'complete')",
  unpriced: "cost_usd_millicents IS NULL AND usage_status = 'ok'",
  missing: "cost_usd_millicents IS NULL AND coalesce(usage_status, '') <> 'ok'",
};

/** A page of the request list, newest first. */
export interface RequestPage {
  rows: StoredRow[];
  total: number;
}

/** Lists requests in a range with filters, newest first. */
export function listRequests(
  store: Store,
  f: ReportFilter & { status?: StatusFilter | null; limit: number; offset: number },
): RequestPage {
  const w = where(f);
  if (f.status) w.sql += ` AND ${STATUS_SQL[f.status]}`;
  const rows = (store.db.prepare(
    `SELECT * FROM requests WHERE ${w.sql} ORDER BY timestamp DESC, request_id LIMIT ? OFFSET ?`,
  ).all(...w.params, f.limit, f.offset) as Record<string, unknown>[]).map(fromDb);
  const n = store.db.prepare(`SELECT count(*) AS n FROM requests WHERE ${w.sql}`).get(
    ...w.params,
  ) as {
    n: number;
  };
  return { rows, total: Number(n.n) };
}

/** Distinct projects, models and providers seen in a range (for filter menus). */
export function facets(
  store: Store,
  r: TimeRange,
): { projects: string[]; models: string[]; providers: string[] } {
  const raws = store.db.prepare(
    `SELECT ${KEY_SQL.project} AS p, ${KEY_SQL.model} AS m, ${KEY_SQL.provider} AS v FROM requests
     WHERE timestamp >= ? AND timestamp < ? GROUP BY 1, 2, 3`,
  ).all(r.since, r.until) as { p: string; m: string; v: string }[];
  const uniq = (k: "p" | "m" | "v") => [...new Set(raws.map((x) => x[k]))].sort();
  return { projects: uniq("p"), models: uniq("m"), providers: uniq("v") };
}

/** Streams every row of a range, oldest first (for export). */
export function* iterateRows(store: Store, r: TimeRange): Generator<StoredRow> {
  const stmt = store.db.prepare(
    "SELECT * FROM requests WHERE timestamp >= ? AND timestamp < ? ORDER BY timestamp, request_id",
  );
  for (const raw of stmt.iterate(r.since, r.until)) yield fromDb(raw as Record<string, unknown>);
}
