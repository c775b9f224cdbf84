/** @module Query parameters of dashboard pages: the period (preset or since/until) and filters. */
import { err, ok, type Result } from "../../shared/result.ts";
import { parseRange, STATUS_FILTERS, type StatusFilter, type TimeRange } from "../store/reports.ts";

/** Period presets offered in the page header. */
export const PERIODS = ["24h", "7d", "30d", "90d", "all"] as const;

/** The period a page shows. */
export interface PagePeriod extends TimeRange {
  /** A preset, or "custom" when since/until were given. */
  period: string;
  sinceArg: string;
  untilArg: string;
  label: string;
}

/** Reads `period`, `since`, `until` (since/until win over period). Default: 30d. */
export function periodFromQuery(
  q: (k: string) => string | undefined,
  now = new Date(),
): Result<PagePeriod, string> {
  const since = q("since")?.trim() || "";
  const until = q("until")?.trim() || "";
  if (since || until) {
    const r = parseRange({
      since: since || undefined,
      until: until || undefined,
      defaultSince: null,
    }, now);
    if (!r.ok) return r;
    return ok({
      ...r.value,
      period: "custom",
      sinceArg: since,
      untilArg: until,
      label: `${since || "start"} → ${until || "now"}`,
    });
  }
  const period = q("period") || "30d";
  if (!(PERIODS as readonly string[]).includes(period)) {
    return err(`Unknown period "${period}": use one of ${PERIODS.join(", ")}`);
  }
  const r = parseRange({ defaultSince: period === "all" ? null : period }, now);
  if (!r.ok) return r;
  return ok({
    ...r.value,
    period,
    sinceArg: "",
    untilArg: "",
    label: period === "all" ? "all time" : `last ${period}`,
  });
}

/** Request-list filters. */
export interface ListQuery {
  project: string | null;
  model: string | null;
  provider: string | null;
  status: StatusFilter | null;
  page: number;
}

/** Reads the request-list filters. */
export function listQuery(q: (k: string) => string | undefined): Result<ListQuery, string> {
  const status = q("status") || null;
  if (status !== null && !(STATUS_FILTERS as readonly string[]).includes(status)) {
    return err(`Unknown status "${status}": use one of ${STATUS_FILTERS.join(", ")}`);
  }
  const pageRaw = q("page") || "1";
  const page = Number(pageRaw);
  if (!Number.isInteger(page) || page < 1 || page > 1_000_000) {
    return err(`Invalid page "${pageRaw}"`);
  }
  return ok({
    project: q("project") || null,
    model: q("model") || null,
    provider: q("provider") || null,
    status: status as StatusFilter | null,
    page,
  });
}

/** Builds a query string from the non-empty entries. */
export function qs(params: Record<string, string | number | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "") u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : "";
}

/** The period's own query parameters (to carry across links). */
export function periodParams(p: PagePeriod): Record<string, string> {
  return p.period === "custom" ? { since: p.sinceArg, until: p.untilArg } : { period: p.period };
}
